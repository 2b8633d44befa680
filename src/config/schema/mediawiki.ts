// `auth.mediawiki:` — log in with a MediaWiki wiki's OAuth 1.0a (Wikimedia's PAWS; oauthenticator's MWOAuthenticator).
import { Type } from '@sinclair/typebox';
import { Key, Nullable, Section } from './helpers.ts';
import { SecretString } from './common.ts';

export const MediawikiSchema = Section('Log in with a MediaWiki wiki (OAuth 1.0a, as Wikimedia’s PAWS).', {
  clientId: Key(Nullable(Type.String({ minLength: 1 })), null, 'Consumer key registered at Special:OAuthConsumerRegistration (required with auth.type mediawiki).'),
  clientSecret: Key(SecretString(), null, 'Consumer secret of that consumer (required with auth.type mediawiki).'),
  mwIndexUrl: Key(
    Type.String({ format: 'uri' }),
    'https://meta.wikimedia.org/w/index.php',
    'Full address of the wiki’s index.php (oauthenticator’s mw_index_url): the OAuth handshake and Special:OAuth/identify go there.',
  ),
  apiUrl: Key(
    Nullable(Type.String({ format: 'uri' })),
    null,
    'The wiki’s api.php, asked at each auth refresh whether the user’s global account is locked (action=query&meta=globaluserinfo, as PAWS). null: api.php beside mwIndexUrl.',
  ),
  loginService: Key(Type.String(), 'MediaWiki', 'Name on the login button.'),
  identifyLeewaySeconds: Key(
    Type.Integer({ minimum: 0, maximum: 300 }),
    10,
    'Clock difference tolerated with the wiki when checking the identify JWT’s iat and exp (python-mwoauth: 10).',
  ),
  identifyMaxAgeSeconds: Key(Type.Integer({ minimum: 1, maximum: 3600 }), 120, 'An identify JWT issued longer ago than this (plus the leeway) is refused as stale.'),
  requestTimeoutSeconds: Key(Type.Number({ exclusiveMinimum: 0, maximum: 120 }), 10, 'Longest wait for one answer of the wiki.'),
});
