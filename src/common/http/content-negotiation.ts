import Negotiator from 'negotiator';

/**
 * The media type the caller prefers among `offered`. The API's own `version=N` Accept parameter is set aside
 * first: standard matching treats any media-type parameter as part of the type, so
 * `application/json; version=1` would otherwise match nothing we offer.
 */
export function preferredType(accept: string | undefined, offered: readonly string[]): string | undefined {
  const plain = (accept ?? '*/*').replace(/;\s*version\s*=\s*("[^"]*"|[^,;]*)/gi, '');
  return new Negotiator({ headers: { accept: plain } }).mediaType([...offered]);
}
