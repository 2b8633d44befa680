// Error pages, including the proxy's error target /hub/error/<code>.
import type { FastifyInstance } from 'fastify';
import type { HubContext } from '../context.ts';
import { html, layout } from '../html.ts';

const TITLES: Record<number, string> = {
  400: 'Bad request',
  403: 'Forbidden',
  404: 'Page not found',
  424: 'Server not running',
  429: 'Too many requests',
  500: 'Internal server error',
  502: 'Bad gateway',
  503: 'Service unavailable',
};

export function renderErrorPage(ctx: HubContext, status: number, message: string, extra?: string): string {
  const title = TITLES[status] ?? 'Error';
  const body = html`<div class="card"><h1>${status} : ${title}</h1><p id="error-message">${message}</p>${extra ? html`<p class="muted">${extra}</p>` : ''}
<div class="actions"><a class="btn" href="${ctx.hubPrefix}home">Home</a></div></div>`;
  return layout({ title, hubPrefix: ctx.hubPrefix, body });
}

export function registerErrorPages(app: FastifyInstance, ctx: HubContext): void {
  app.get<{ Params: { code: string } }>('/error/:code', async (req, reply) => {
    const status = /^\d{3}$/.test(req.params.code) ? Number(req.params.code) : 500;
    const url = String((req.query as Record<string, unknown>).url ?? '').split('?')[0];
    const message =
      status === 503
        ? `Your server appears to be down. Try restarting it from the hub.`
        : status === 404
          ? `Nothing is served at ${url || 'this address'}.`
          : `The proxy reported an error (${status}).`;
    return reply
      .status(status)
      .type('text/html; charset=utf-8')
      .send(renderErrorPage(ctx, status, message, url ? `Requested: ${url}` : undefined));
  });
}
