/// The project's version, shown by `depthfarm --version` and sent in every worker's greeting.
public enum DepthFarmVersion {
    public static let current = "0.1.0"
}
