// Public API of the config module: load, check, describe and document nbhub's config file.
export { loadConfig, INLINE_CONFIG_NAME, type LoadConfigOptions, type LoadedConfig } from './load.ts';
export {
  ConfigError,
  formatProblem,
  formatWarning,
  type ConfigErrorCode,
  type ConfigProblem,
  type ConfigWarning,
  type ConfigWarningCode,
} from './errors.ts';
export {
  ConfigSchema,
  ResolvedConfigSchema,
  type Config,
  type ConfigInput,
  type HubConfig,
  type ProxyConfig,
  type SingleuserConfig,
  type AuthConfig,
  type SpawnerConfig,
  type CullConfig,
  type NetworkPolicyConfig,
  type ProfileConfig,
  type ServiceConfig,
  type RoleConfig,
} from './schema.ts';
export type { ExtraEnvValue } from './schema/common.ts';
export { AUTH_TYPES, OAUTH_SECTIONS, type AuthType } from './schema/auth.ts';
export { ENV_OVERRIDES } from './envOverrides.ts';
export { checkConfigCommand, describeConfig, redactConfig, REDACTED, type CommandResult } from './describe.ts';
export { schemaAsJson, type JsonSchemaDocument } from './jsonSchema.ts';
export { renderConfigDocs } from './docs.ts';
export { parseSize } from './quantity.ts';
