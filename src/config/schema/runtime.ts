// `spawner:` and `cull:` — how user servers are started, and when idle ones are stopped.
import { Type } from '@sinclair/typebox';
import { Key, Nullable, Section, StringEnum } from './helpers.ts';

export const SPAWNER_KINDS = ['local', 'kubernetes'] as const;

export const SpawnerSchema = Section('How user servers are started.', {
  kind: Key(StringEnum(SPAWNER_KINDS), 'local', 'local: processes on this machine; kubernetes: one pod per server.'),
  stopGraceSeconds: Key(Type.Number({ minimum: 0 }), 5, 'Seconds a stopping server gets between SIGTERM and SIGKILL (or pod deletion grace).'),
  local: Section('The local-process spawner.', {
    isolateUsers: Key(
      Type.Unsafe<'auto' | boolean>({ enum: ['auto', true, false] }),
      'auto',
      'Run each user as their own Unix account (created with accountPrefix). auto: when nbhub runs as root.',
    ),
    accountPrefix: Key(Type.String({ pattern: '^[a-z_][a-z0-9_-]*$' }), 'nbh-', 'Prefix of the Unix accounts created for users.'),
    homeDir: Key(Nullable(Type.String({ minLength: 1 })), null, 'Directory holding the users’ homes; null: <data dir>/homes.'),
    shell: Key(Type.String({ minLength: 1 }), '/bin/bash', 'Login shell of created accounts (and of terminals).'),
    tasksLimit: Key(
      Nullable(Type.Integer({ minimum: 8 })),
      1024,
      'Most tasks (processes and threads) one user server may run, enforced with the pids control group: a fork bomb stops there. null: no limit.',
    ),
    requireLimits: Key(
      Type.Boolean(),
      false,
      'Refuse to start when limits (singleuser.memory.limit, singleuser.cpu.limit, tasksLimit) cannot be enforced (the hub is not root, or the cgroup tree is not writable). false: start with one warning that they are not enforced.',
    ),
  }),
  kubernetes: Section('The Kubernetes spawner.', {
    namespace: Key(Nullable(Type.String({ minLength: 1 })), null, 'Namespace of user pods; null: the hub’s own namespace.'),
    podNameTemplate: Key(Type.String({ minLength: 1 }), 'jupyter-{username}{servername}', 'Name of each user pod; {username} and {servername} are filled in.'),
    kubeconfig: Key(Nullable(Type.String({ minLength: 1 })), null, 'kubeconfig file to use; null: in-cluster credentials, else $KUBECONFIG.'),
    appLabel: Key(Type.String({ minLength: 1 }), 'jupyterhub', 'Value of the `app` label on user pods and volumes (z2jh’s, so its network policies and existing volumes match).'),
    releaseName: Key(Type.String({ minLength: 1 }), 'nbhub', 'Value of the `release` label on user pods and volumes: the Helm release (the chart sets it).'),
    schedulerName: Key(Nullable(Type.String({ minLength: 1 })), null, 'Scheduler of user pods (the chart sets its user scheduler’s name); null: the default scheduler.'),
    priorityClassName: Key(Nullable(Type.String({ minLength: 1 })), null, 'PriorityClass of user pods (the chart sets it when scheduling.podPriority is enabled); null: none.'),
    failOnUnschedulable: Key(
      Type.Boolean(),
      true,
      'Fail a spawn at once, with the scheduler’s reason, when no node can take the pod. Set false when a cluster autoscaler adds nodes (a pod that triggered a scale-up always waits).',
    ),
  }),
});

export const CullSchema = Section('Stopping idle user servers.', {
  enabled: Key(Type.Boolean(), true, 'Stop servers that have been idle for `timeout` seconds.'),
  users: Key(Type.Boolean(), false, 'Also delete users (not admins) whose servers were culled.'),
  adminUsers: Key(Type.Boolean(), true, 'Cull admins’ servers too.'),
  removeNamedServers: Key(Type.Boolean(), false, 'Delete named servers when they are culled (not just stop them).'),
  timeout: Key(Type.Integer({ minimum: 1 }), 3600, 'Seconds of inactivity before a server is stopped.'),
  every: Key(Type.Integer({ minimum: 1 }), 600, 'Seconds between two checks.'),
  concurrency: Key(Type.Integer({ minimum: 1 }), 10, 'Most servers stopped at once.'),
  maxAge: Key(Type.Integer({ minimum: 0 }), 0, 'Stop servers older than this many seconds even if active; 0: never.'),
});
