// The version nbhub reports as X-JupyterHub-Version and in GET /hub/api. It must be a PEP 440
// version that looks like the JupyterHub release whose protocol nbhub speaks: single-user
// servers exit if it does not parse, and the idle culler enables features from it.
// The local segment (+nbhub…) says who is answering. Override with hub.version.
export const NBHUB_VERSION = '0.1.0';
export const HUB_VERSION = `5.5.4+nbhub.${NBHUB_VERSION}`;
