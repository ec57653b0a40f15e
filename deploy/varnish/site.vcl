# The app servers behind this edge and who may purge it: the part of the edge's configuration
# that belongs to one site. `make serve-edge` writes its own copy from PORT and EDGE_PURGERS.
vcl 4.1;

import directors;

# Whether an app server can render pages (its database answers; a cache that is down does not
# count). The Host must be one of the app's ALLOWED_HOSTS.
probe newsroom_healthz {
    .request =
        "GET /healthz/pages HTTP/1.1"
        "Host: 127.0.0.1"
        "User-Agent: Varnish health probe"
        "Connection: close";
    .interval = 2s;
    .timeout = 2s;
    .window = 3;
    .threshold = 2;
    .initial = 2;  # healthy from the start, so readers need not wait for the first probes
}

# One line per app server (`make serve` on each, all on one database and one Redis).
backend app_1 { .host = "127.0.0.1"; .port = "8000"; .probe = newsroom_healthz; }

sub vcl_init {
    new newsroom_app_servers = directors.round_robin();
    newsroom_app_servers.add_backend(app_1);
}

sub newsroom_choose_app_server {
    set req.backend_hint = newsroom_app_servers.backend();
}

# The addresses allowed to send PURGE: those of the app servers (they purge after each write).
# Varnish sees the address that connects to it: if a TLS proxy on this machine forwards readers,
# have it speak the PROXY protocol (varnishd -a :6081,PROXY) so readers keep their own.
acl newsroom_purgers {
    "127.0.0.1";
    "::1";
}
