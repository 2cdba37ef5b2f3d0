import Foundation

/// One `.npy` array (numpy's format: magic, version, a Python-dict header, raw C-order data):
/// its element type, shape and bytes. Only little-endian (or byte-sized) numbers are read.
struct NPYArray {
    enum Element: String {
        case u1, i1, u2, i2, u4, i4, u8, i8, f4, f8

        var size: Int { Int(rawValue.dropFirst())! }
        var isInteger: Bool { !rawValue.hasPrefix("f") }
    }

    let element: Element
    let shape: [Int]
    /// The raw element bytes, C order.
    let payload: Data

    var count: Int { shape.reduce(1, *) }

    /// Parses `bytes`; `fail` names the file and array in errors.
    /// With `headerOnly`, `bytes` may stop after the header (the payload is then empty).
    init(_ bytes: Data, fail: (String) -> DataFileError, headerOnly: Bool = false) throws {
        let b = [UInt8](bytes.prefix(12))
        guard b.count >= 10, b[0] == 0x93, Array(b[1..<6]) == Array("NUMPY".utf8) else { throw fail("is not a .npy array (no \\x93NUMPY magic)") }
        let major = b[6]
        let headerLength: Int, headerStart: Int
        if major == 1 {
            headerLength = Int(b[8]) | Int(b[9]) << 8
            headerStart = 10
        } else if major == 2 || major == 3, b.count >= 12 {
            headerLength = (0..<4).reduce(0) { $0 | Int(b[8 + $1]) << (8 * $1) }
            headerStart = 12
        } else {
            throw fail("has .npy version \(major), which is not read")
        }
        guard headerStart + headerLength <= bytes.count else { throw fail("has a header longer than the array") }
        let base = bytes.startIndex
        let header = String(decoding: bytes[base + headerStart..<base + headerStart + headerLength], as: UTF8.self)
        guard let descr = Self.value(of: "descr", in: header)?.trimmingCharacters(in: CharacterSet(charactersIn: "'\"")) else {
            throw fail("has no descr in its header")
        }
        let order = descr.first
        let code = descr.dropFirst()
        guard let element = Element(rawValue: String(code)), order == "<" || order == "|" || (order == "=" ) else {
            throw fail("holds dtype \(descr); uint8, float32 (and integer labels) are read")
        }
        if Self.value(of: "fortran_order", in: header) == "True" {
            throw fail("is stored in Fortran order; save it with numpy's default C order")
        }
        guard let shapeText = Self.value(of: "shape", in: header) else { throw fail("has no shape in its header") }
        let dims = shapeText.trimmingCharacters(in: CharacterSet(charactersIn: "() ")).split(separator: ",")
            .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        let shape = dims.compactMap { Int($0) }
        guard shape.count == dims.count, shape.allSatisfy({ $0 >= 0 && $0 < 1 << 40 }) else { throw fail("has shape \(shapeText), not a tuple of sizes") }
        self.element = element
        self.shape = shape
        let needed = shape.reduce(1, *) * element.size
        let dataStart = headerStart + headerLength
        if headerOnly { payload = Data(); return }
        guard bytes.count - dataStart >= needed else {
            throw fail("has shape \(shape) of \(element.rawValue), \(needed) bytes, but holds \(bytes.count - dataStart)")
        }
        payload = bytes[base + dataStart..<base + dataStart + needed]
    }

    /// The text after `'key':` up to the next top-level comma (a tuple kept whole).
    static func value(of key: String, in header: String) -> String? {
        guard let range = header.range(of: "'\(key)':") ?? header.range(of: "\"\(key)\":") else { return nil }
        var depth = 0
        var out = ""
        for c in header[range.upperBound...] {
            if c == "(" { depth += 1 }
            if c == ")" { depth -= 1 }
            if depth == 0 && (c == "," || c == "}") { break }
            out.append(c)
        }
        return out.trimmingCharacters(in: .whitespaces)
    }

    /// Element `i` as a Double (integers exactly up to 2^53).
    func number(at i: Int) -> Double {
        payload.withUnsafeBytes { raw in
            let o = i * element.size
            switch element {
            case .u1: return Double(raw[o])
            case .i1: return Double(Int8(bitPattern: raw[o]))
            case .u2: return Double(UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: o, as: UInt16.self)))
            case .i2: return Double(Int16(littleEndian: raw.loadUnaligned(fromByteOffset: o, as: Int16.self)))
            case .u4: return Double(UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: o, as: UInt32.self)))
            case .i4: return Double(Int32(littleEndian: raw.loadUnaligned(fromByteOffset: o, as: Int32.self)))
            case .u8: return Double(UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: o, as: UInt64.self)))
            case .i8: return Double(Int64(littleEndian: raw.loadUnaligned(fromByteOffset: o, as: Int64.self)))
            case .f4: return Double(Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: o, as: UInt32.self))))
            case .f8: return Double(bitPattern: UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: o, as: UInt64.self)))
            }
        }
    }

    /// The bytes of a u1 array.
    var bytes: [UInt8] { [UInt8](payload) }

    /// The values of an f4 array.
    var floats: [Float] {
        payload.withUnsafeBytes { raw in
            (0..<count).map { Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 * $0, as: UInt32.self))) }
        }
    }
}
