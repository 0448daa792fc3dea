-- One database and one owner per service (compose stack; the password is POSTGRES_PASSWORD's).
\set password `echo "$POSTGRES_PASSWORD"`
CREATE ROLE intake LOGIN PASSWORD :'password';
CREATE ROLE router LOGIN PASSWORD :'password';
CREATE ROLE sla_monitor LOGIN PASSWORD :'password';
CREATE ROLE notifier LOGIN PASSWORD :'password';
CREATE DATABASE intake OWNER intake;
CREATE DATABASE router OWNER router;
CREATE DATABASE sla_monitor OWNER sla_monitor;
CREATE DATABASE notifier OWNER notifier;
