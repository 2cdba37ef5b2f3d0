import Foundation

/// A node of a standalone SVG document, rendered with every attribute value and text escaped,
/// so names from a user's spec (chart titles, legends) can never break the XML.
struct SVGElement: Sendable {
    var name: String
    var attributes: [(String, String)]
    var text: String?
    var children: [SVGElement]

    init(_ name: String, _ attributes: [(String, String)] = [], text: String? = nil, children: [SVGElement] = []) {
        self.name = name
        self.attributes = attributes
        self.text = text
        self.children = children
    }

    /// The whole document: XML declaration and an `<svg>` root of the given size holding `children`.
    static func document(width: Double, height: Double, title: String, children: [SVGElement]) -> String {
        let root = SVGElement("svg", [
            ("xmlns", "http://www.w3.org/2000/svg"), ("width", SVG.format(width)), ("height", SVG.format(height)),
            ("viewBox", "0 0 \(SVG.format(width)) \(SVG.format(height))"),
            ("font-family", "Helvetica, Arial, sans-serif"), ("font-size", "12"),
        ], children: [SVGElement("title", text: title), SVGElement("rect", [("width", "100%"), ("height", "100%"), ("fill", "white")])] + children)
        var out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        root.render(into: &out, depth: 0)
        return out
    }

    func render(into out: inout String, depth: Int) {
        out += String(repeating: "  ", count: depth) + "<" + name
        for (key, value) in attributes { out += " \(key)=\"\(SVG.escape(value))\"" }
        if children.isEmpty && text == nil {
            out += "/>\n"
            return
        }
        out += ">"
        if let text { out += SVG.escape(text) }
        if !children.isEmpty {
            out += "\n"
            for child in children { child.render(into: &out, depth: depth + 1) }
            out += String(repeating: "  ", count: depth)
        }
        out += "</\(name)>\n"
    }
}

/// Shapes and helpers shared by the charts.
enum SVG {
    /// XML-escapes text for element content and quoted attribute values; drops characters XML 1.0 forbids.
    static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            case "\t", "\n", "\r": out.unicodeScalars.append(scalar)
            default:
                if scalar.value < 0x20 || scalar.value == 0xFFFE || scalar.value == 0xFFFF { continue }
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// Coordinates with at most two decimals: exact enough on screen, short in the file.
    static func format(_ value: Double) -> String {
        guard value.isFinite else { return "0" }
        let rounded = (value * 100).rounded() / 100
        return rounded == rounded.rounded() ? String(Int(rounded)) : String(rounded)
    }

    static func line(x1: Double, y1: Double, x2: Double, y2: Double, stroke: String,
                            width: Double = 1, dash: String? = nil, cssClass: String? = nil) -> SVGElement {
        var attributes = [("x1", format(x1)), ("y1", format(y1)), ("x2", format(x2)), ("y2", format(y2)),
                          ("stroke", stroke), ("stroke-width", format(width))]
        if let dash { attributes.append(("stroke-dasharray", dash)) }
        if let cssClass { attributes.insert(("class", cssClass), at: 0) }
        return SVGElement("line", attributes)
    }

    static func text(_ content: String, x: Double, y: Double, anchor: String = "start", size: Double? = nil,
                            weight: String? = nil, rotate: Double? = nil, cssClass: String? = nil) -> SVGElement {
        var attributes = [("x", format(x)), ("y", format(y)), ("text-anchor", anchor)]
        if let size { attributes.append(("font-size", format(size))) }
        if let weight { attributes.append(("font-weight", weight)) }
        if let rotate { attributes.append(("transform", "rotate(\(format(rotate)) \(format(x)) \(format(y)))")) }
        if let cssClass { attributes.insert(("class", cssClass), at: 0) }
        return SVGElement("text", attributes, text: content)
    }

    static func points(_ points: [(Double, Double)]) -> String {
        points.map { "\(format($0.0)),\(format($0.1))" }.joined(separator: " ")
    }
}
