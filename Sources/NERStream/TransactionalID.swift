import Foundation

/// The producer's `transactional.id` under `--exactly-once`.
///
/// One id per worker instance, stable across its restarts: a restarted worker with the same id
/// fences its predecessor (the broker aborts the predecessor's open transaction at once, instead of
/// after `transaction.timeout.ms`). The default, `<group>-<hostname>`, is the pod name in Kubernetes,
/// where a container restart keeps it. Zombie fencing of partitions does not depend on the id: the
/// offsets go into the transaction with the consumer group's generation (KIP-447), so any unique id
/// is safe. Two workers sharing an id fence each other (the fenced one stops with an error), so
/// workers on one host need `--transactional-id`.
enum TransactionalID {
    static func resolve(_ options: StreamOptions) -> String {
        if let id = options.transactionalId?.trimmingCharacters(in: .whitespaces), !id.isEmpty { return id }
        return "\(options.group)-\(hostname)"
    }

    static var hostname: String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return "localhost" }
        let name = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return name.isEmpty ? "localhost" : name
    }
}
