"""How pages reach readers: a page cache that is never stale and never personal.

- `public_pages`: which URLs are public pages, and which lists each one is.
- `shown`: what a response shows, collected while it is rendered (content keys, see
  `articles.changes`).
- `content_versions`: when each content key last changed; purging a key makes every cached page
  that shows it stale.
- `edge`: the HTTP cache in front of the app servers (Varnish, a CDN): which keys a page shows
  and how long the edge may keep it, in headers; a purge stored for it after each write.
- `edge_purges`: those purges as rows (`models.EdgePurge`, listed in the admin), sent by the
  task queue's worker with retries.
- `purging`: a purge reaches the page cache, then the edge.
- `schedule`: scheduled articles go live on time, by the same keys, without cron.
- `release`: which code and templates rendered a page; a deploy starts with none stored.
- `middleware`: stores public pages with their keys and answers from the cache.

The domain apps never import this package: they announce changes (`articles.changes`) and this
package listens (`apps.DeliveryConfig.ready`).
"""
