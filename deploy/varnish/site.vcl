# The app servers behind this edge and who may purge it: the part of the edge's configuration
# that belongs to one site. `make serve-edge` writes its own copy from PORT and EDGE_PURGERS.
vcl 4.1;

import directors;

probe newsroom_healthz {
    .url = "/healthz";
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
acl newsroom_purgers {
    "127.0.0.1";
    "::1";
}
