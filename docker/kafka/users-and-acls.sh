#!/bin/sh
# SCRAM-SHA-512 users and ACLs of docker compose's Kafka (issue 16), run once the broker answers,
# in the broker's network namespace: 127.0.0.1:29093 is the broker's own listener, PLAINTEXT and
# bound to loopback, so only this step (and the broker) can administer it. Every service has a user
# per role; the authorizer denies what no ACL allows (allow.everyone.if.no.acl.found=false).
# A peer writes only the peer, segment, link, delivery and holder-report topics (and dead letters
# of records it cannot read); it never writes the catalog, the edges' events or expirations.
set -eu
B=127.0.0.1:29093
P="${TOPIC_PREFIX:-cdn.}"
bin=/opt/kafka/bin

user() { # name password
  "$bin/kafka-configs.sh" --bootstrap-server "$B" --alter --entity-type users --entity-name "$1" \
    --add-config "SCRAM-SHA-512=[iterations=8192,password=$2]"
}
acl() { # principal, then kafka-acls.sh resource and operation options
  who="$1"; shift
  "$bin/kafka-acls.sh" --bootstrap-server "$B" --add --allow-principal "User:$who" "$@" > /dev/null
}
writes() { # user topic...
  who="$1"; shift
  for t in "$@"; do acl "$who" --topic "$P$t" --operation Write --operation Describe; done
}
reads() { # user topic...
  who="$1"; shift
  for t in "$@"; do acl "$who" --topic "$P$t" --operation Read --operation Describe; done
}

for role in origin edge peer tracker topology dashboard operator; do
  eval "pw=\${KAFKA_PASSWORD_$(echo "$role" | tr a-z A-Z):?}"
  user "$role" "$pw"
done

# every client may look the cluster and the registry's topics up
for role in origin edge peer tracker topology dashboard operator; do
  acl "$role" --cluster --operation Describe
  acl "$role" --topic "$P" --resource-pattern-type prefixed --operation Describe
done

# the origin (server and ingest job) publishes the catalog and creates the registry's topics first
writes origin catalog dead-letters
acl origin --cluster --operation Create --operation DescribeConfigs
acl origin --topic "$P" --resource-pattern-type prefixed --operation Create --operation DescribeConfigs

writes edge edge-events dead-letters
reads edge catalog

writes peer peer-events segment-events link-events delivery-events holder-reports dead-letters
reads peer catalog peer-expirations

# Kafka Streams apps: all of their own topics, group and transactions (exactly-once), creating topics
for app in tracker:"${TRACKER_APPLICATION_ID:-cdn-tracker}" topology:"${TOPOLOGY_APPLICATION_ID:-cdn-topology}"; do
  role="${app%%:*}"; id="${app#*:}"
  acl "$role" --topic "$id" --resource-pattern-type prefixed --operation All
  acl "$role" --group "$id" --resource-pattern-type prefixed --operation All
  acl "$role" --transactional-id "$id" --resource-pattern-type prefixed --operation All
  acl "$role" --cluster --operation Create --operation DescribeConfigs --operation IdempotentWrite
  acl "$role" --topic "$P" --resource-pattern-type prefixed --operation Read --operation Create --operation DescribeConfigs
done
writes tracker peer-expirations dead-letters
writes topology dead-letters

reads dashboard catalog peer-events segment-events link-events peer-expirations delivery-events edge-events \
  holder-reports dead-letters
# the operator on the host (cdn replay, events tail, ingest): reads everything, ingests
acl operator --topic "$P" --resource-pattern-type prefixed --operation Read
writes operator catalog dead-letters

"$bin/kafka-acls.sh" --bootstrap-server "$B" --list > /dev/null
echo "kafka users and ACLs ready"
