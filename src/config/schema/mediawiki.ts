// `auth.mediawiki:` — log in with a MediaWiki wiki's OAuth 1.0a (Wikimedia's PAWS; oauthenticator's MWOAuthenticator).
import { Type } from '@sinclair/typebox';
import { Key, Nullable, Section } from './helpers.ts';
import { SecretString } from './common.ts';

export const MediawikiSchema = Section('Log in with a MediaWiki wiki (OAuth 1.0a, as Wikimedia’s PAWS).', {
  clientId: Key(Nullable(Type.String({ minLength: 1 })), null, 'Consumer key registered at Special:OAuthConsumerRegistration (required with auth.type mediawiki).'),
  clientSecret: Key(SecretString(), null, 'Consumer secret of that consumer (required with auth.type mediawiki).'),
  mwIndexUrl: Key(Type.String({ format: 'uri' }), 'https://meta.wikimedia.org/w/index.php', 'Full address of the wiki’s index.php.'),
  loginService: Key(Type.String(), 'MediaWiki', 'Name on the login button.'),
});
