import CRabbitMQ
import Foundation

/// Owns the C memory that one librabbitmq call needs (strings, tables, properties) and
/// frees all of it at once when the arena goes away. Used only on a connection's thread.
final class CArena {
    private var allocations: [UnsafeMutableRawPointer] = []

    deinit { allocations.forEach { free($0) } }

    private func allocate(_ size: Int) -> UnsafeMutableRawPointer {
        let pointer = malloc(max(size, 1))!
        allocations.append(pointer)
        return pointer
    }

    func bytes(_ text: String) -> amqp_bytes_t {
        var utf8 = Array(text.utf8)
        let pointer = allocate(utf8.count)
        pointer.copyMemory(from: &utf8, byteCount: utf8.count)
        return amqp_bytes_t(len: utf8.count, bytes: pointer)
    }

    func bytes(_ data: Data) -> amqp_bytes_t {
        let pointer = allocate(data.count)
        data.withUnsafeBytes { if let base = $0.baseAddress { pointer.copyMemory(from: base, byteCount: $0.count) } }
        return amqp_bytes_t(len: data.count, bytes: pointer)
    }

    func table(_ table: AMQPTable) -> amqp_table_t {
        guard !table.isEmpty else { return amqp_table_t(num_entries: 0, entries: nil) }
        let entries = allocate(MemoryLayout<amqp_table_entry_t>.stride * table.count)
            .bindMemory(to: amqp_table_entry_t.self, capacity: table.count)
        for (index, (key, value)) in table.sorted(by: { $0.key < $1.key }).enumerated() {
            (entries + index).initialize(to: amqp_table_entry_t(key: bytes(key), value: field(value)))
        }
        return amqp_table_t(num_entries: Int32(table.count), entries: entries)
    }

    func field(_ value: AMQPFieldValue) -> amqp_field_value_t {
        var field = amqp_field_value_t()
        func kind(_ k: amqp_field_value_kind_t) -> UInt8 { UInt8(k.rawValue) }
        switch value {
        case .string(let text):
            field.kind = kind(AMQP_FIELD_KIND_UTF8)
            field.value.bytes = bytes(text)
        case .int(let number):
            field.kind = kind(AMQP_FIELD_KIND_I64)
            field.value.i64 = number
        case .bool(let flag):
            field.kind = kind(AMQP_FIELD_KIND_BOOLEAN)
            field.value.boolean = flag ? 1 : 0
        case .double(let number):
            field.kind = kind(AMQP_FIELD_KIND_F64)
            field.value.f64 = number
        case .bytes(let data):
            field.kind = kind(AMQP_FIELD_KIND_BYTES)
            field.value.bytes = bytes(data)
        case .timestamp(let date):
            field.kind = kind(AMQP_FIELD_KIND_TIMESTAMP)
            field.value.u64 = UInt64(max(0, date.timeIntervalSince1970))
        case .table(let nested):
            field.kind = kind(AMQP_FIELD_KIND_TABLE)
            field.value.table = table(nested)
        case .array(let items):
            field.kind = kind(AMQP_FIELD_KIND_ARRAY)
            let entries = allocate(MemoryLayout<amqp_field_value_t>.stride * max(items.count, 1))
                .bindMemory(to: amqp_field_value_t.self, capacity: max(items.count, 1))
            for (index, item) in items.enumerated() { (entries + index).initialize(to: self.field(item)) }
            field.value.array = amqp_array_t(num_entries: Int32(items.count), entries: entries)
        case .void:
            field.kind = kind(AMQP_FIELD_KIND_VOID)
        }
        return field
    }

    func properties(_ properties: AMQPProperties) -> amqp_basic_properties_t {
        var c = amqp_basic_properties_t()
        var flags: amqp_flags_t = CRabbitMQ_FLAG_DELIVERY_MODE
        c.delivery_mode = properties.persistent ? 2 : 1
        func set(_ value: String?, _ flag: amqp_flags_t, _ assign: (amqp_bytes_t) -> Void) {
            guard let value else { return }
            flags |= flag
            assign(bytes(value))
        }
        set(properties.contentType, CRabbitMQ_FLAG_CONTENT_TYPE) { c.content_type = $0 }
        set(properties.contentEncoding, CRabbitMQ_FLAG_CONTENT_ENCODING) { c.content_encoding = $0 }
        set(properties.correlationID, CRabbitMQ_FLAG_CORRELATION_ID) { c.correlation_id = $0 }
        set(properties.replyTo, CRabbitMQ_FLAG_REPLY_TO) { c.reply_to = $0 }
        set(properties.expiration, CRabbitMQ_FLAG_EXPIRATION) { c.expiration = $0 }
        set(properties.messageID, CRabbitMQ_FLAG_MESSAGE_ID) { c.message_id = $0 }
        set(properties.type, CRabbitMQ_FLAG_TYPE) { c.type = $0 }
        set(properties.userID, CRabbitMQ_FLAG_USER_ID) { c.user_id = $0 }
        set(properties.appID, CRabbitMQ_FLAG_APP_ID) { c.app_id = $0 }
        if let priority = properties.priority {
            flags |= CRabbitMQ_FLAG_PRIORITY
            c.priority = priority
        }
        if let timestamp = properties.timestamp {
            flags |= CRabbitMQ_FLAG_TIMESTAMP
            c.timestamp = UInt64(max(0, timestamp.timeIntervalSince1970))
        }
        if !properties.headers.isEmpty {
            flags |= CRabbitMQ_FLAG_HEADERS
            c.headers = table(properties.headers)
        }
        c._flags = flags
        return c
    }
}

// MARK: - C to Swift

extension amqp_bytes_t {
    var string: String {
        guard len > 0, let bytes else { return "" }
        return String(decoding: UnsafeRawBufferPointer(start: bytes, count: len), as: UTF8.self)
    }

    var data: Data {
        guard len > 0, let bytes else { return Data() }
        return Data(bytes: bytes, count: len)
    }
}

extension AMQPFieldValue {
    init(_ field: amqp_field_value_t) {
        func kind(_ k: amqp_field_value_kind_t) -> UInt8 { UInt8(k.rawValue) }
        switch field.kind {
        case kind(AMQP_FIELD_KIND_BOOLEAN): self = .bool(field.value.boolean != 0)
        case kind(AMQP_FIELD_KIND_I8): self = .int(Int64(field.value.i8))
        case kind(AMQP_FIELD_KIND_U8): self = .int(Int64(field.value.u8))
        case kind(AMQP_FIELD_KIND_I16): self = .int(Int64(field.value.i16))
        case kind(AMQP_FIELD_KIND_U16): self = .int(Int64(field.value.u16))
        case kind(AMQP_FIELD_KIND_I32): self = .int(Int64(field.value.i32))
        case kind(AMQP_FIELD_KIND_U32): self = .int(Int64(field.value.u32))
        case kind(AMQP_FIELD_KIND_I64): self = .int(field.value.i64)
        case kind(AMQP_FIELD_KIND_U64): self = .int(Int64(truncatingIfNeeded: field.value.u64))
        case kind(AMQP_FIELD_KIND_F32): self = .double(Double(field.value.f32))
        case kind(AMQP_FIELD_KIND_F64): self = .double(field.value.f64)
        case kind(AMQP_FIELD_KIND_UTF8): self = .string(field.value.bytes.string)
        case kind(AMQP_FIELD_KIND_BYTES): self = .bytes(field.value.bytes.data)
        case kind(AMQP_FIELD_KIND_TIMESTAMP): self = .timestamp(Date(timeIntervalSince1970: Double(field.value.u64)))
        case kind(AMQP_FIELD_KIND_TABLE): self = .table(AMQPTable(field.value.table))
        case kind(AMQP_FIELD_KIND_ARRAY):
            let array = field.value.array
            self = .array((0..<Int(array.num_entries)).map { AMQPFieldValue(array.entries[$0]) })
        default: self = .void
        }
    }
}

extension Dictionary where Key == String, Value == AMQPFieldValue {
    init(_ table: amqp_table_t) {
        self.init()
        for index in 0..<Int(table.num_entries) {
            let entry = table.entries[index]
            self[entry.key.string] = AMQPFieldValue(entry.value)
        }
    }
}

extension AMQPProperties {
    init(_ c: amqp_basic_properties_t) {
        let flags = c._flags
        func get(_ flag: amqp_flags_t, _ value: amqp_bytes_t) -> String? { flags & flag != 0 ? value.string : nil }
        self.init(
            contentType: get(CRabbitMQ_FLAG_CONTENT_TYPE, c.content_type),
            contentEncoding: get(CRabbitMQ_FLAG_CONTENT_ENCODING, c.content_encoding),
            headers: flags & CRabbitMQ_FLAG_HEADERS != 0 ? AMQPTable(c.headers) : [:],
            persistent: flags & CRabbitMQ_FLAG_DELIVERY_MODE != 0 && c.delivery_mode == 2,
            priority: flags & CRabbitMQ_FLAG_PRIORITY != 0 ? c.priority : nil,
            correlationID: get(CRabbitMQ_FLAG_CORRELATION_ID, c.correlation_id),
            replyTo: get(CRabbitMQ_FLAG_REPLY_TO, c.reply_to),
            expiration: get(CRabbitMQ_FLAG_EXPIRATION, c.expiration),
            messageID: get(CRabbitMQ_FLAG_MESSAGE_ID, c.message_id),
            timestamp: flags & CRabbitMQ_FLAG_TIMESTAMP != 0 ? Date(timeIntervalSince1970: Double(c.timestamp)) : nil,
            type: get(CRabbitMQ_FLAG_TYPE, c.type),
            userID: get(CRabbitMQ_FLAG_USER_ID, c.user_id),
            appID: get(CRabbitMQ_FLAG_APP_ID, c.app_id))
    }
}
