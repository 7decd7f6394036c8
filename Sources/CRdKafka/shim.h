// librdkafka's C API (Debian librdkafka-dev 2.0.2), its mock cluster (a Kafka-protocol broker in
// process, for tests and `make test-stream`), and a produce call Swift can reach: rd_kafka_producev
// takes variadic macros, which Swift cannot call.
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

/// One message to `topic` (partition chosen by the key's hash when `partition` is
/// RD_KAFKA_PARTITION_UA); key and value are copied; `headers` (may be NULL) pass to librdkafka
/// on success only. `opaque` comes back in the delivery report.
static inline rd_kafka_resp_err_t bertner_produce(rd_kafka_t *rk, const char *topic, int32_t partition,
                                                  const void *key, size_t key_size,
                                                  const void *value, size_t value_size,
                                                  rd_kafka_headers_t *headers, void *opaque) {
    if (headers) {
        return rd_kafka_producev(rk, RD_KAFKA_V_TOPIC(topic), RD_KAFKA_V_PARTITION(partition),
                                 RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_KEY(key, key_size),
                                 RD_KAFKA_V_VALUE((void *)value, value_size), RD_KAFKA_V_HEADERS(headers),
                                 RD_KAFKA_V_OPAQUE(opaque), RD_KAFKA_V_END);
    }
    return rd_kafka_producev(rk, RD_KAFKA_V_TOPIC(topic), RD_KAFKA_V_PARTITION(partition),
                             RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_KEY(key, key_size),
                             RD_KAFKA_V_VALUE((void *)value, value_size), RD_KAFKA_V_OPAQUE(opaque),
                             RD_KAFKA_V_END);
}
