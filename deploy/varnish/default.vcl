# Varnish in front of Newsroom's app servers (README, "The edge"). Varnish 7.1 or newer, with
# the xkey module of varnish-modules (Debian: apt install varnish varnish-modules).
#
# The app says what may be kept and for how long: a public page carries `Surrogate-Control:
# max-age=N` and its content keys in `xkey`; after each write the app sends the keys it touched
# in a PURGE request, which makes exactly the pages showing them stale. Everything else (the
# admin, previews, the vote endpoint and a reader's own answer, any page rendered for one person)
# goes to the app every time.
#
# Where the app servers are and who may purge is in site.vcl, beside this file: the one file an
# operator edits (`make serve-edge` writes its own).
vcl 4.1;

import std;
import xkey;

include "site.vcl";

sub vcl_recv {
    call newsroom_choose_app_server;
    if (req.restarts > 0) {
        # Back from vcl_deliver after the app failed to answer: serve any copy still held.
        return (hash);
    }

    if (req.method == "PURGE") {
        if (client.ip !~ newsroom_purgers) {
            return (synth(403, "Purging is not allowed from " + client.ip + "."));
        }
        if (!req.http.xkey-purge) {
            return (synth(400, "Name the content keys to purge in an xkey-purge header."));
        }
        # Soft: a purged page is kept in grace, so while one request renders it again the
        # readers arriving meanwhile get the last copy at once (for 10 s at most, below).
        set req.http.x-purged = xkey.softpurge(req.http.xkey-purge);
        return (synth(200, "Purged " + req.http.x-purged + " pages."));
    }
    if (req.method != "GET" && req.method != "HEAD") {
        return (pass);
    }
    # The admin (move this line with ADMIN_URL), the vote endpoint (a reader's own answer) and
    # the health checks always reach the app, with their cookies.
    if (req.url ~ "^/admin/" || req.url ~ "^/articles/[^/]+/feedback/" || req.url ~ "^/healthz") {
        return (pass);
    }
    # Staff (a session) and a reader just thanked for a vote (messages) get pages made for them.
    if (req.http.Cookie ~ "(^|;\s*)(sessionid|messages)=[^;\s]") {
        return (pass);
    }
    # Every other page is the same for every reader: their cookies (analytics, consent, the
    # CSRF token) change nothing in it, so they must not split or bypass the cache.
    unset req.http.Cookie;
    unset req.http.Authorization;

    # Campaign and click identifiers never change a page; without them a shared link is one page.
    if (req.url ~ "\?") {
        set req.url = regsuball(req.url, "([?&])(utm_[A-Za-z0-9_]*|fbclid|gclid|dclid|gbraid|wbraid|msclkid|twclid|igshid|mc_cid|mc_eid)=[^&]*", "\1");
        set req.url = regsuball(req.url, "&{2,}", "&");
        set req.url = regsub(req.url, "\?&", "?");
        set req.url = regsub(req.url, "[?&]+$", "");
        set req.url = std.querysort(req.url);
    }

    # Grace: with the app up, a stale page is served for at most 10 s while it is fetched again;
    # with every app server down, every page held is served for as long as it is kept (below).
    if (std.healthy(req.backend_hint)) {
        set req.grace = 10s;
    }
    return (hash);
}

sub vcl_hash {
    # The scheme the app builds absolute links with (share links, feeds) comes from these
    # headers: a page asked for with other values is another page, so no one can make the edge
    # keep their version for everyone.
    hash_data(req.http.X-Forwarded-Proto);
    hash_data(req.http.X-Forwarded-Protocol);
    hash_data(req.http.X-Forwarded-Ssl);
}

sub vcl_hit {
    if (obj.ttl >= 0s) {
        set req.http.x-edge-cache = "hit";
    } else {
        set req.http.x-edge-cache = "grace";
    }
}

sub vcl_miss {
    set req.http.x-edge-cache = "miss";
}

sub vcl_pass {
    set req.http.x-edge-cache = "pass";
}

sub vcl_backend_fetch {
    # Fetch whole pages: the app's 304 would not repeat the keys and lifetime a page is kept by.
    # (Readers' own conditional requests are answered here, from the copy kept.)
    if (!bereq.uncacheable) {
        unset bereq.http.If-None-Match;
        unset bereq.http.If-Modified-Since;
    }
}

sub vcl_backend_response {
    # A page fetched again in the background that fails leaves the last good copy in place.
    if (beresp.status >= 500 && bereq.is_bgfetch) {
        return (abandon);
    }
    if (beresp.http.Set-Cookie || beresp.http.Cache-Control ~ "(private|no-store|no-cache)") {
        call newsroom_keep_none;
    }
    if (beresp.http.Surrogate-Control ~ "max-age=[0-9]+") {
        set beresp.ttl = std.duration(
            regsub(beresp.http.Surrogate-Control, "^.*max-age=([0-9]+).*$", "\1s"), 0s);
        unset beresp.http.Surrogate-Control;
    } elsif (beresp.http.Cache-Control !~ "immutable") {
        # Only what the app marks is kept (the static files, named by their content, are).
        call newsroom_keep_none;
    }
    if (beresp.ttl <= 0s) {
        # A copy the app knows is out of date already: pass it on, keep none.
        call newsroom_keep_none;
    }
    # How long a page is kept after it expired or was purged, for readers to get while the app
    # is down (grace, above). Raise it to ride out longer outages.
    set beresp.grace = 24h;
    return (deliver);
}

# Pass the answer on and keep none; for a second, requests for it go to the app one by one
# ("hit-for-miss"), and the first answer that may be kept is.
sub newsroom_keep_none {
    set beresp.uncacheable = true;
    set beresp.ttl = 1s;
    return (deliver);
}

sub vcl_backend_error {
    if (bereq.is_bgfetch) {
        return (abandon);  # the copy held stays
    }
    if (bereq.retries < 1 && (bereq.method == "GET" || bereq.method == "HEAD")) {
        return (retry);  # another app server, while the probe has not noticed this one is down
    }
    set beresp.http.Content-Type = "text/plain; charset=utf-8";
    set beresp.http.Retry-After = "10";
    set beresp.body = "The newsroom is not answering right now. Please try again in a moment.";
    return (deliver);
}

sub vcl_deliver {
    # The app did not answer a page that was not fresh here: try once more, taking any copy
    # still held however old (until the health probe notices, grace is otherwise 10 s).
    if (resp.status == 503 && req.restarts == 0 && req.http.x-edge-cache == "miss") {
        return (restart);
    }
    set resp.http.X-Edge-Cache = req.http.x-edge-cache;
    if (req.http.x-edge-cache == "hit" || req.http.x-edge-cache == "grace") {
        unset resp.http.X-Cache;  # the app's word on a copy rendered earlier
    }
    unset resp.http.xkey;
    unset resp.http.Via;
    unset resp.http.X-Varnish;
}

sub vcl_synth {
    set resp.http.Content-Type = "text/plain; charset=utf-8";
    set resp.body = resp.reason;
    return (deliver);
}
