import Foundation

/// A named classic experiment: a spec that reproduces a published result, run with
/// `prunelab run --preset NAME`, served by `GET /presets` and offered by the page's form.
/// The LeNet-300-100 ones use Fashion-MNIST by default; set `dataset.path` to an MNIST folder
/// to run them on the paper's data.
public struct Preset: Sendable {
    /// The preset's identifier, as given to `--preset` and `GET /presets`.
    public let name: String
    /// One line: what it runs.
    public let summary: String
    /// The published result it reproduces.
    public let reproduces: String
    /// The spec as a client would send it (fields left out take their defaults).
    public let document: JSONValue

    /// The parsed spec. Presets are tested to parse; one that did not would be a build error.
    public var spec: SweepSpec {
        get throws { try SweepSpec.parse(document) }
    }

    /// The preset called `name`, or nil if there is none.
    public static func named(_ name: String) -> Preset? { all.first { $0.name == name } }

    /// LeNet-300-100 (784-300-100-10), Adam 1e-3, batch 64, 3 epochs, 3 seeds.
    private static func lenet300(_ name: String, _ pruning: JSONValue) -> JSONValue {
        ["name": .string(name), "model": ["hidden": [300, 100]], "training": ["epochs": 3],
         "pruning": pruning, "repeats": 3]
    }

    /// Han et al.'s and Frankle & Carbin's rounds: 20% of what remains, ten times (20 ... 89%).
    private static let twentyPercentRounds: JSONValue = [20, 36, 49, 59, 67, 74, 79, 83, 87, 89]

    /// Every preset, in the order the CLI and the page list them.
    public static let all: [Preset] = [
        Preset(name: "seed", summary: "the reference experiment: 784-1000-1000-500-200-10, weight and unit pruning one-shot at 0-99%",
               reproduces: "the original study's weight vs unit pruning curves",
               document: ["name": "seed"]),
        Preset(name: "han-lenet300", summary: "iterative magnitude pruning, 20% of the remaining weights per round, one epoch of retraining each",
               reproduces: "Han et al. 2015, Learning both Weights and Connections: LeNet-300-100 pruned 12x at equal error",
               document: lenet300("han-lenet300", ["methods": ["weight"], "sparsities": twentyPercentRounds,
                                                   "schedule": "iterative", "finetune_epochs": 1])),
        Preset(name: "lottery-lenet300", summary: "lottery tickets: iterative pruning with the survivors rewound to their initial values, and the random-reinit control",
               reproduces: "Frankle & Carbin 2019: winning tickets of 10-20% of the weights train to the dense accuracy; the same masks re-initialised do not",
               document: lenet300("lottery-lenet300", ["methods": ["weight"], "sparsities": twentyPercentRounds,
                                                       "schedule": "iterative", "rewind": "init", "controls": ["random-reinit"]])),
        Preset(name: "gradual-lenet300", summary: "gradual magnitude pruning along Zhu & Gupta's cubic curve during training, with the small-dense control",
               reproduces: "Zhu & Gupta 2017 (TF-MOT's PolynomialDecay): large sparse networks beat small dense ones of the same size",
               document: lenet300("gradual-lenet300", ["methods": ["weight"], "sparsities": [50, 75, 90, 95],
                                                       "schedule": "gradual", "controls": ["small-dense"]])),
        Preset(name: "snip-lenet300", summary: "pruning at initialisation by connection sensitivity (SNIP) against magnitude and random at init",
               reproduces: "Lee et al. 2019, SNIP: LeNet-300-100 at 95% sparsity with about 1.6% error on MNIST",
               document: lenet300("snip-lenet300", ["methods": ["snip", "weight", "random-weight"], "sparsities": [50, 80, 90, 95, 98],
                                                    "schedule": "at-init"])),
        Preset(name: "synflow-lenet300", summary: "data-free pruning at initialisation by iterative synaptic flow (SynFlow) against random at init",
               reproduces: "Tanaka et al. 2020, SynFlow: no layer collapse at extreme sparsities",
               document: lenet300("synflow-lenet300", ["methods": ["synflow", "random-weight"], "sparsities": [50, 80, 90, 95, 98, 99],
                                                       "schedule": "at-init"])),
        Preset(name: "small-dense-lenet300", summary: "one-shot magnitude pruning with a retraining epoch against dense networks of the same weight count trained from scratch",
               reproduces: "the small-dense baseline Blalock et al. 2020 ask every pruning result to beat",
               document: lenet300("small-dense-lenet300", ["methods": ["weight"], "sparsities": [50, 80, 90, 95, 98],
                                                           "finetune_epochs": 1, "controls": ["small-dense"]])),
        Preset(name: "sensitivity-seed", summary: "the reference network's layers pruned one at a time (each-layer scope): which layer carries the loss",
               reproduces: "the sensitivity analysis of Han et al. 2015 (and of this README: on Fashion-MNIST the first layer)",
               document: ["name": "sensitivity-seed", "pruning": ["methods": ["weight"], "sparsities": [25, 50, 70, 80, 90, 95, 99],
                                                                  "scope": "each-layer"]]),
    ]
}
