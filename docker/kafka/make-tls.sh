#!/bin/sh
# The broker's TLS identity for docker compose (issue 16): a CA and a broker certificate for the
# names clients use (kafka inside the compose network, 127.0.0.1 and localhost from the host),
# made once with the JDK's keytool of the Kafka image. Clients trust ca.pem
# (KAFKA_SSL_TRUSTSTORE_LOCATION, PEM); the broker reads broker.p12. The CA's key is deleted once
# the broker certificate is signed: nothing in the volume can issue another certificate.
set -eu
out="${TLS_DIR:-/tls}"
pw="${KEYSTORE_PASSWORD:?KEYSTORE_PASSWORD is required}"
if [ -s "$out/broker.p12" ] && [ -s "$out/ca.pem" ]; then
  echo "kafka TLS: $out/broker.p12 and $out/ca.pem exist, kept"
  exit 0
fi
work=$(mktemp -d)
keytool -genkeypair -alias ca -keyalg EC -groupname secp256r1 -dname "CN=hybrid-cdn compose CA, O=hybrid-cdn" \
  -ext bc:c=ca:true,pathlen:0 -ext ku:c=keyCertSign,cRLSign -validity 825 \
  -keystore "$work/ca.p12" -storetype PKCS12 -storepass "$pw"
keytool -exportcert -rfc -alias ca -keystore "$work/ca.p12" -storepass "$pw" -file "$work/ca.pem"
keytool -genkeypair -alias kafka -keyalg EC -groupname secp256r1 -dname "CN=kafka, O=hybrid-cdn" -validity 825 \
  -keystore "$work/broker.p12" -storetype PKCS12 -storepass "$pw"
keytool -certreq -alias kafka -keystore "$work/broker.p12" -storepass "$pw" -file "$work/kafka.csr"
keytool -gencert -alias ca -keystore "$work/ca.p12" -storepass "$pw" -infile "$work/kafka.csr" -rfc \
  -outfile "$work/kafka.pem" -validity 825 -ext SAN=dns:kafka,dns:localhost,ip:127.0.0.1 -ext EKU=serverAuth \
  -ext ku:c=digitalSignature
keytool -importcert -noprompt -alias ca -file "$work/ca.pem" -keystore "$work/broker.p12" -storepass "$pw"
keytool -importcert -noprompt -alias kafka -file "$work/kafka.pem" -keystore "$work/broker.p12" -storepass "$pw"
mkdir -p "$out"
cp "$work/broker.p12" "$work/ca.pem" "$out/"
chmod 644 "$out/ca.pem" "$out/broker.p12"
rm -rf "$work"
echo "kafka TLS: CA $out/ca.pem, broker keystore $out/broker.p12"
