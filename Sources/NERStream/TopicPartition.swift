import CRdKafka

/// A partition of a topic, and an offset in it.
public struct TopicPartition: Hashable, Sendable, CustomStringConvertible {
    public var topic: String
    public var partition: Int32

    public init(topic: String, partition: Int32) {
        self.topic = topic
        self.partition = partition
    }

    public var description: String { "\(topic)[\(partition)]" }
}

extension Array where Element == (TopicPartition, Int64) {
    /// A librdkafka partition list (the caller destroys it).
    func makeList() -> UnsafeMutablePointer<rd_kafka_topic_partition_list_t> {
        let list = rd_kafka_topic_partition_list_new(Int32(count))!
        for (partition, offset) in self {
            rd_kafka_topic_partition_list_add(list, partition.topic, partition.partition).pointee.offset = offset
        }
        return list
    }
}

extension UnsafeMutablePointer where Pointee == rd_kafka_topic_partition_list_t {
    var entries: [(TopicPartition, Int64)] {
        (0..<Int(pointee.cnt)).map { index in
            let element = pointee.elems[index]
            return (TopicPartition(topic: String(cString: element.topic), partition: element.partition), element.offset)
        }
    }
}
