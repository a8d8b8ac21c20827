#!/bin/sh
# The api: a page that says where it runs, what the migration left in the database and
# which base URL its rendered config names.
mkdir -p /www
{
    echo "api on port $PORT"
    echo "schema: $(wget -q -O - "$DB_URL/schema")"
    echo "config: $(cat /config/app.env 2>/dev/null)"
} >/www/index.html
exec httpd -f -p "$PORT" -h /www
