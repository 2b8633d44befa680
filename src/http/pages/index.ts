// All hub pages.
import type { FastifyInstance } from 'fastify';
import type { HubContext } from '../context.ts';
import { registerLoginPages } from './login.ts';
import { registerOAuthLoginPages } from './oauthLogin.ts';
import { registerHomePages } from './home.ts';
import { registerSpawnPages } from './spawn.ts';
import { registerUserUrlPages } from './userUrl.ts';
import { registerErrorPages } from './error.ts';
import { registerNativeAccountPages } from './nativeAccounts.ts';
import { registerAcceptSharePages } from './acceptShare.ts';

export function registerPages(app: FastifyInstance, ctx: HubContext): void {
  registerLoginPages(app, ctx);
  registerOAuthLoginPages(app, ctx);
  registerHomePages(app, ctx);
  registerSpawnPages(app, ctx);
  registerUserUrlPages(app, ctx);
  registerErrorPages(app, ctx);
  registerNativeAccountPages(app, ctx);
  registerAcceptSharePages(app, ctx);
}
