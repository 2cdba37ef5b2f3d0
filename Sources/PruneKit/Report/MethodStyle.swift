/// How each pruning method looks in every chart: weight pruning red and unit pruning blue as in
/// the original study, distinct colours for the other methods.
enum MethodStyle {
    static func color(_ method: PruningMethod) -> String {
        switch method {
        case .weight: return "#d62728"
        case .unit: return "#1f77b4"
        case .globalWeight: return "#ff7f0e"
        case .randomWeight: return "#9467bd"
        case .randomUnit: return "#2ca02c"
        case .taylorUnit: return "#17becf"
        case .snip: return "#8c564b"
        case .synflow: return "#e377c2"
        }
    }

    /// Legend text: the method's spec name followed by what it removes.
    static func label(_ method: PruningMethod) -> String {
        method.rawValue
    }
}
