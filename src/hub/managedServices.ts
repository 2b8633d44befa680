// Hub-managed services (hub.services.<name>.command, as JupyterHub's managed services and the
// z2jh culler): started with the hub, restarted when they exit (with a growing pause, reset once
// a run lasted a while), stopped with the hub (SIGTERM, then SIGKILL). Their output goes to the
// hub log line by line, tagged with the service name.
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { Logger } from 'pino';
import type { ServicePlan } from './serviceSetup.ts';

const RESTART_MIN_MS = 1_000;
const RESTART_MAX_MS = 30_000;
/** A run this long resets the restart pause. */
const HEALTHY_RUN_MS = 60_000;
const STOP_GRACE_MS = 5_000;

interface Running {
  plan: ServicePlan;
  env: Record<string, string>;
  cwd: string;
  child: ChildProcess | null;
  startedAt: number;
  pauseMs: number;
  restartTimer: NodeJS.Timeout | null;
  restarts: number;
}

export class ManagedServices {
  private readonly running = new Map<string, Running>();
  private stopping = false;

  constructor(private readonly logger: Logger) {}

  /** Starts each service with a command; `envOf` gives its environment. */
  start(plans: readonly ServicePlan[], envOf: (p: ServicePlan) => Record<string, string>, defaultCwd: string): void {
    for (const plan of plans) {
      if (!plan.command) continue;
      const r: Running = { plan, env: envOf(plan), cwd: plan.cwd ?? defaultCwd, child: null, startedAt: 0, pauseMs: RESTART_MIN_MS, restartTimer: null, restarts: 0 };
      this.running.set(plan.name, r);
      this.launch(r);
    }
  }

  /** PID of a managed service's current process, 0 when it is not running (JupyterHub's model). */
  pid(name: string): number {
    return this.running.get(name)?.child?.pid ?? 0;
  }

  /** How often the service was restarted after exiting. */
  restarts(name: string): number {
    return this.running.get(name)?.restarts ?? 0;
  }

  private launch(r: Running): void {
    const [cmd, ...args] = r.plan.command!;
    const log = this.logger.child({ service: r.plan.name });
    let child: ChildProcess;
    try {
      child = spawn(cmd, args, { env: r.env, cwd: r.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (err) {
      log.error({ err, command: cmd }, 'managed service could not be started');
      this.scheduleRestart(r);
      return;
    }
    r.child = child;
    r.startedAt = Date.now();
    child.on('error', (err) => {
      log.error({ err, command: cmd }, 'managed service could not be started');
      // a command that could not be run at all (ENOENT, EACCES) emits no 'exit': try again later
      if (child.pid === undefined && r.child === child) {
        r.child = null;
        this.scheduleRestart(r);
      }
    });
    for (const stream of [child.stdout!, child.stderr!]) {
      createInterface({ input: stream }).on('line', (line) => log.info({ output: line }, 'service output'));
    }
    child.on('exit', (code, signal) => {
      if (r.child === child) r.child = null;
      if (this.stopping) return;
      log.warn({ code, signal }, 'managed service exited; restarting');
      if (Date.now() - r.startedAt >= HEALTHY_RUN_MS) r.pauseMs = RESTART_MIN_MS;
      this.scheduleRestart(r);
    });
    log.info({ pid: child.pid, command: r.plan.command }, 'managed service started');
  }

  private scheduleRestart(r: Running): void {
    if (this.stopping) return;
    const pause = r.pauseMs;
    r.pauseMs = Math.min(RESTART_MAX_MS, r.pauseMs * 2);
    r.restartTimer = setTimeout(() => {
      r.restartTimer = null;
      if (this.stopping) return;
      r.restarts += 1;
      this.launch(r);
    }, pause);
    r.restartTimer.unref();
  }

  /** Stops every managed service: SIGTERM, then SIGKILL after a grace period. */
  async stop(): Promise<void> {
    this.stopping = true;
    await Promise.all(
      [...this.running.values()].map(async (r) => {
        if (r.restartTimer) clearTimeout(r.restartTimer);
        const child = r.child;
        if (!child || child.exitCode !== null || child.signalCode !== null) return;
        const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
        await exited;
        clearTimeout(timer);
      }),
    );
  }
}
