// The config.yaml most end-to-end tests start from: dummy login and an admin service token
// for the test to drive the REST API, plus whatever the test adds under hub/singleuser.
import { randomBytes } from 'node:crypto';

export interface E2eConfig {
  yaml: string;
  serviceToken: string;
}

export function e2eConfig(o: { hub?: string[]; singleuser?: string[]; authType?: string } = {}): E2eConfig {
  const serviceToken = randomBytes(16).toString('hex');
  const indent = (lines: string[] = []) => lines.map((l) => `  ${l}`).join('\n');
  const yaml = `auth:
  type: ${o.authType ?? 'dummy'}
hub:
${indent(o.hub)}
  services:
    e2e:
      apiToken: ${serviceToken}
      admin: true
singleuser:
${indent(o.singleuser ?? ['startTimeout: 120', 'httpTimeout: 120'])}
`;
  return { yaml, serviceToken };
}
