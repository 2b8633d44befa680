// The one schema of nbhub's config file (z2jh's config.yaml keys). Two views of it:
// `ConfigSchema` is what a file may contain (including deprecated z2jh spellings) and is what
// validation, docs and the Helm values schema use; `ResolvedConfigSchema` describes the value
// `loadConfig` returns (defaults applied, aliases folded into their new keys).
import { Type, type Static } from '@sinclair/typebox';
import type { Resolved } from './schema/helpers.ts';
import { HubInputSchema, HubResolvedSchema } from './schema/hub.ts';
import { ProxyInputSchema, ProxyResolvedSchema } from './schema/proxy.ts';
import { SingleuserInputSchema, SingleuserResolvedSchema } from './schema/singleuser.ts';
import { AuthInputSchema, AuthResolvedSchema } from './schema/auth.ts';
import { CullSchema, SpawnerSchema } from './schema/runtime.ts';
import { CustomKey, DebugSchema, HttpRouteSchema, IngressSchema, PrePullerSchema, RbacSchema, ReleaseKeys, SchedulingSchema } from './schema/cluster.ts';

const ROOT = {
  additionalProperties: false,
  title: 'nbhub configuration',
  description: 'Configuration of an nbhub deployment. Keys follow the Zero to JupyterHub (z2jh) config.yaml.',
} as const;

const sharedSections = {
  spawner: SpawnerSchema,
  cull: CullSchema,
  prePuller: PrePullerSchema,
  rbac: RbacSchema,
  scheduling: SchedulingSchema,
  ingress: IngressSchema,
  debug: DebugSchema,
  custom: CustomKey,
  httpRoute: HttpRouteSchema,
};

export const ConfigSchema = Type.Object(
  { hub: HubInputSchema, singleuser: SingleuserInputSchema, auth: AuthInputSchema, proxy: ProxyInputSchema, ...sharedSections, ...ReleaseKeys },
  ROOT,
);

export const ResolvedConfigSchema = Type.Object(
  {
    hub: HubResolvedSchema,
    singleuser: SingleuserResolvedSchema,
    auth: AuthResolvedSchema,
    proxy: ProxyResolvedSchema,
    ...sharedSections,
    imagePullSecret: ReleaseKeys.imagePullSecret,
    imagePullSecrets: ReleaseKeys.imagePullSecrets,
  },
  ROOT,
);

/** What a config file (or a TypeScript caller) may write: every key optional. */
export type ConfigInput = Static<typeof ConfigSchema>;

/** The loaded configuration: every key present, defaults applied, `null` where unset. */
export type Config = Resolved<Static<typeof ResolvedConfigSchema>>;

export type HubConfig = Config['hub'];
export type ProxyConfig = Config['proxy'];
export type SingleuserConfig = Config['singleuser'];
export type AuthConfig = Config['auth'];
export type SpawnerConfig = Config['spawner'];
export type CullConfig = Config['cull'];
export type NetworkPolicyConfig = Config['hub']['networkPolicy'];
export type ProfileConfig = Config['singleuser']['profileList'][number];
export type ServiceConfig = Config['hub']['services'][string];
export type RoleConfig = Config['hub']['loadRoles'][string];
