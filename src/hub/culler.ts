// The idle culler, inside the hub (z2jh runs jupyterhub-idle-culler as a service; same
// `cull.*` keys, same decisions: src/domain/cullPolicy.ts). Each round first folds the proxy's
// route activity into the store, then stops idle servers and, with cull.users, deletes
// inactive users.
import type { Logger } from 'pino';
import type { Store } from '../store/types.ts';
import { decideServerCull, decideUserCull, type CullPolicy } from '../domain/cullPolicy.ts';

export interface CullTargets {
  isReady(user: string, server: string): boolean;
  pending(user: string, server: string): 'spawn' | 'stop' | null;
  stop(user: string, server: string): Promise<void>;
  removeUserData(user: string): Promise<string[]>;
}

export interface CullerDeps {
  store: Store;
  servers: CullTargets;
  /** Brings route activity into the store before deciding. */
  refreshActivity: () => Promise<void>;
  policy: CullPolicy;
  concurrency: number;
  logger: Logger;
  now: () => Date;
}

export interface CullRound {
  stopped: string[];
  deletedUsers: string[];
}

async function inBatches<T>(items: T[], size: number, fn: (t: T) => Promise<void>): Promise<void> {
  for (let i = 0; i < items.length; i += Math.max(1, size)) await Promise.all(items.slice(i, i + Math.max(1, size)).map(fn));
}

export class Culler {
  private timer: NodeJS.Timeout | null = null;
  private round: Promise<CullRound> | null = null;

  constructor(private readonly d: CullerDeps) {}

  /** Rounds every `everyMs`; with `mayRun`, only those it allows (one elected hub replica culls). */
  start(everyMs: number, mayRun?: () => Promise<boolean>): void {
    const round = async () => {
      if (mayRun && !(await mayRun())) return;
      await this.runOnce();
    };
    this.timer = setInterval(() => void round().catch((err) => this.d.logger.warn({ err }, 'cull round failed')), everyMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** One round; overlapping calls share the round in flight. */
  runOnce(): Promise<CullRound> {
    this.round ??= this.cull().finally(() => {
      this.round = null;
    });
    return this.round;
  }

  private async cull(): Promise<CullRound> {
    const { store, servers, policy, logger } = this.d;
    await this.d.refreshActivity();
    const now = this.d.now();
    const out: CullRound = { stopped: [], deletedUsers: [] };
    const admins = new Map<string, boolean>();
    const isAdmin = async (name: string) => {
      if (!admins.has(name)) admins.set(name, (await store.getUser(name))?.admin ?? false);
      return admins.get(name)!;
    };
    const candidates = [];
    for (const s of await store.listActiveServers()) {
      const decision = decideServerCull(
        {
          name: s.name,
          ready: servers.isReady(s.userName, s.name),
          pending: servers.pending(s.userName, s.name),
          started: s.started,
          lastActivity: s.lastActivity,
          userIsAdmin: await isAdmin(s.userName),
        },
        now,
        policy,
      );
      if (decision.cull) candidates.push({ s, decision });
    }
    await inBatches(candidates, this.d.concurrency, async ({ s, decision }) => {
      logger.info({ user: s.userName, server: s.name, reason: decision.reason, inactiveSeconds: decision.inactiveSeconds }, 'culling server');
      await servers.stop(s.userName, s.name);
      if (decision.action === 'stop-and-remove') await store.deleteServer(s.id);
      out.stopped.push(`${s.userName}/${s.name}`);
    });
    if (policy.users) {
      for (let offset = 0; ; ) {
        const page = await store.listUsers({ offset, limit: 200, state: 'inactive', sort: 'id' });
        let deleted = 0;
        for (const u of page.items) {
          const decision = decideUserCull({ admin: u.admin, created: u.created, lastActivity: u.lastActivity, activeServers: 0 }, now, policy);
          if (!decision.cull) continue;
          logger.info({ user: u.name, inactiveSeconds: decision.inactiveSeconds }, 'culling user');
          if (await store.deleteUser(u.name)) {
            await this.d.servers.removeUserData(u.name);
            out.deletedUsers.push(u.name);
            deleted++;
          }
        }
        offset += page.items.length - deleted;
        if (page.items.length < 200) break;
      }
    }
    return out;
  }
}
