/// Joins the engine (PruneKit) and the HTTP server into the sweep job service.
public enum PruneLabService {}
