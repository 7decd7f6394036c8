import CRdKafka

/// One `rd_kafka_conf_t` filled from properties, each rejected one reported by name with
/// librdkafka's reason (secret values scrubbed). Owned until `rd_kafka_new` takes it.
struct KafkaConfigurationHandle {
    let pointer: OpaquePointer

    init(_ properties: [String: String], scrubbing: KafkaProperties) throws(StreamError) {
        guard let conf = rd_kafka_conf_new() else { throw .client("rd_kafka_conf_new failed") }
        // Sorted: the first bad property reported is the same on every run.
        for (key, value) in properties.sorted(by: { $0.key < $1.key }) {
            var error = [CChar](repeating: 0, count: 512)
            if rd_kafka_conf_set(conf, key, value, &error, error.count) != RD_KAFKA_CONF_OK {
                rd_kafka_conf_destroy(conf)
                throw .invalidProperty(key: key, reason: scrubbing.scrub(errorText(error)))
            }
        }
        pointer = conf
    }

    /// A client of `type` that owns the configuration from here on.
    func makeClient(_ type: rd_kafka_type_t, scrubbing: KafkaProperties) throws(StreamError) -> OpaquePointer {
        var error = [CChar](repeating: 0, count: 512)
        guard let handle = rd_kafka_new(type, pointer, &error, error.count) else {
            rd_kafka_conf_destroy(pointer)
            throw .client(scrubbing.scrub(errorText(error)))
        }
        return handle
    }
}

/// The name and text of a librdkafka error code.
func kafkaErrorText(_ code: rd_kafka_resp_err_t) -> String {
    "\(String(cString: rd_kafka_err2name(code))): \(String(cString: rd_kafka_err2str(code)))"
}

/// librdkafka log lines go through swift-log (scrubbed), not to stderr on their own.
typealias KafkaLogSink = @Sendable (_ level: Int32, _ facility: String, _ message: String) -> Void

/// What a client's callbacks reach through librdkafka's opaque pointer; each client type adds
/// its own callbacks in a subclass.
class KafkaClientContext {
    let log: KafkaLogSink
    init(log: @escaping KafkaLogSink) { self.log = log }
}

extension KafkaConfigurationHandle {
    /// Points the callbacks at `context` and routes librdkafka's log lines to its sink.
    func attach(_ context: Unmanaged<some KafkaClientContext>) {
        rd_kafka_conf_set_opaque(pointer, context.toOpaque())
        rd_kafka_conf_set_log_cb(pointer) { rk, level, facility, message in
            guard let rk, let opaque = rd_kafka_opaque(rk) else { return }
            Unmanaged<KafkaClientContext>.fromOpaque(opaque).takeUnretainedValue()
                .log(level, facility.map { String(cString: $0) } ?? "", message.map { String(cString: $0) } ?? "")
        }
    }
}

/// The C string librdkafka wrote into `buffer`.
private func errorText(_ buffer: [CChar]) -> String {
    String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
}
