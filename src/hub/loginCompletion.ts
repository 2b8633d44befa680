// What a successful login (password or identity provider) does to the hub's user: creates it on
// first login, applies the pipeline's admin decision, syncs hub groups (auth.manageGroups), keeps
// the auth state sealed (or none at all when auth state is off, as JupyterHub forces it to None)
// and records that the user's auth is fresh.
import type { LoginOutcome } from '../auth/types.ts';
import type { HubContext } from '../http/context.ts';
import type { UserPatch } from '../store/types.ts';

export type LoginSuccess = Extract<LoginOutcome, { ok: true }>;

export async function ensureUser(ctx: HubContext, outcome: LoginSuccess): Promise<void> {
  const { name, admin, authState, groups } = outcome;
  let user = await ctx.store.getUser(name);
  if (!user) {
    await ctx.store.createUsers([name], { admin: admin === true, now: ctx.now() }).catch(async (e) => {
      if (!(await ctx.store.getUser(name))) throw e; // lost a race with another login: fine
    });
    user = await ctx.store.getUser(name);
    if (!user) throw new Error(`login: user ${JSON.stringify(name)} vanished while logging in`);
  }
  const patch: UserPatch = { authRefreshed: ctx.now() };
  const adminChanged = admin !== null && admin !== user.admin;
  if (adminChanged) patch.admin = admin;
  const sealed = ctx.authStates.seal(user, authState);
  patch.encryptedAuthState = sealed === undefined ? null : sealed;
  await ctx.store.updateUser(name, patch);
  let groupsChanged = false;
  if (groups !== null) {
    const before = await ctx.store.groupsOfUser(name);
    const after = await ctx.store.setUserGroups(name, groups, { createMissing: true });
    groupsChanged = before.join('\n') !== after.join('\n');
  }
  if (adminChanged || groupsChanged) ctx.identities.invalidate();
  ctx.authRefresh.loggedIn(name);
}
