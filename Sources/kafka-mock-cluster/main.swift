// A Kafka-protocol test broker in a process of its own: librdkafka's mock cluster.
//
//   kafka-mock-cluster [--brokers N] [--topic NAME:PARTITIONS]...
//
// prints `bootstrap HOST:PORT,…` and then serves until standard input closes or says `quit`.
// Commands on standard input, one per line, each answered `ok` or `error …`:
//   topic NAME PARTITIONS        create a topic
//   down ID / up ID              take broker ID (1…N) down / bring it back
//   errors APIKEY CODE [CODE…]   the next APIKEY requests answer with these Kafka error codes
import Foundation
import NERStream

/// One line on standard output, written at once (the driver waits for it).
func say(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("kafka-mock-cluster: \(message)\n".utf8))
    exit(2)
}

var brokers = 3
var topics: [(String, Int)] = []
var arguments = CommandLine.arguments.dropFirst()
while let argument = arguments.popFirst() {
    switch argument {
    case "--brokers":
        guard let value = arguments.popFirst().flatMap(Int.init), value > 0 else { fail("--brokers needs a positive number") }
        brokers = value
    case "--topic":
        guard let value = arguments.popFirst(), let colon = value.lastIndex(of: ":"),
              let partitions = Int(value[value.index(after: colon)...]), partitions > 0 else { fail("--topic needs NAME:PARTITIONS") }
        topics.append((String(value[..<colon]), partitions))
    default: fail("unknown argument \(argument)")
    }
}

let cluster: KafkaMockCluster
do {
    cluster = try KafkaMockCluster(brokers: brokers)
    for (name, partitions) in topics { try cluster.createTopic(name, partitions: partitions) }
} catch { fail("\(error)") }

say("bootstrap \(cluster.bootstrapServers)")
while let line = readLine() {
    let words = line.split(separator: " ").map(String.init)
    guard let command = words.first else { continue }
    switch (command, words.count) {
    case ("quit", _):
        exit(0)
    case ("topic", 3):
        guard let partitions = Int(words[2]) else { say("error partitions"); break }
        do { try cluster.createTopic(words[1], partitions: partitions); say("ok") } catch { say("error \(error)") }
    case ("down", 2), ("up", 2):
        guard let id = Int32(words[1]) else { say("error broker id"); break }
        if command == "down" { cluster.setDown(broker: id) } else { cluster.setUp(broker: id) }
        say("ok")
    case ("errors", 3...):
        guard let apiKey = Int16(words[1]) else { say("error api key"); break }
        let codes = words[2...].compactMap { Int32($0) }
        cluster.pushRequestErrors(apiKey: apiKey, errors: codes)
        say("ok")
    default:
        say("error unknown command: \(line)")
    }
}
