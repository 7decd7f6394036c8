import CRdKafka

/// librdkafka's mock cluster: brokers in this process that speak the real Kafka protocol on
/// localhost ports (consumer groups, commits, idempotent produce), and can be taken down or made to
/// answer with errors. For tests and `kafka-mock-cluster`; not a broker to run anything on.
package final class KafkaMockCluster: @unchecked Sendable {
    private let host: OpaquePointer
    private let cluster: OpaquePointer
    /// `bootstrap.servers` for clients in any process.
    package let bootstrapServers: String

    package init(brokers: Int) throws(StreamError) {
        let configuration = try KafkaConfigurationHandle(["log_level": "3"], scrubbing: KafkaProperties())
        host = try configuration.makeClient(RD_KAFKA_PRODUCER, scrubbing: KafkaProperties())
        guard let cluster = rd_kafka_mock_cluster_new(host, Int32(brokers)) else {
            rd_kafka_destroy(host)
            throw .client("rd_kafka_mock_cluster_new failed")
        }
        self.cluster = cluster
        bootstrapServers = String(cString: rd_kafka_mock_cluster_bootstraps(cluster))
    }

    deinit {
        rd_kafka_mock_cluster_destroy(cluster)
        rd_kafka_destroy(host)
    }

    package func createTopic(_ name: String, partitions: Int, replicationFactor: Int = 1) throws(StreamError) {
        let code = rd_kafka_mock_topic_create(cluster, name, Int32(partitions), Int32(replicationFactor))
        guard code == RD_KAFKA_RESP_ERR_NO_ERROR else { throw .kafka(operation: "create topic \(name)", error: kafkaErrorText(code)) }
    }

    /// Makes broker `id` the leader of one partition (and so the one its producers must reach).
    package func setLeader(topic: String, partition: Int32, broker id: Int32) {
        rd_kafka_mock_partition_set_leader(cluster, topic, partition, id)
    }

    /// Makes broker `id` the coordinator of consumer group `group`.
    package func setGroupCoordinator(_ group: String, broker id: Int32) {
        rd_kafka_mock_coordinator_set(cluster, "group", group, id)
    }

    /// Broker `id` (1…brokers) stops answering (its connections close) until `setUp`.
    package func setDown(broker id: Int32) { rd_kafka_mock_broker_set_down(cluster, id) }
    package func setUp(broker id: Int32) { rd_kafka_mock_broker_set_up(cluster, id) }

    /// The next requests of `apiKey` (0 Produce, 1 Fetch, 8 OffsetCommit, …) on any broker answer
    /// with `errors` in turn (Kafka error codes, e.g. 6 NOT_LEADER_OR_FOLLOWER, 7 REQUEST_TIMED_OUT).
    package func pushRequestErrors(apiKey: Int16, errors: [Int32]) {
        let codes = errors.map { rd_kafka_resp_err_t(rawValue: $0) }
        codes.withUnsafeBufferPointer { rd_kafka_mock_push_request_errors_array(cluster, apiKey, codes.count, $0.baseAddress) }
    }
}
