namespace SpecEditor.Infra.ComposeHost;

/// <summary>
/// The variables app/compose.yaml reads. The host sets them instead of editing the file, which it writes unchanged.
/// </summary>
internal static class ComposeContract
{
    /// <summary>The app image reference (here: the pushed digest).</summary>
    public const string ImageVariable = "SPEC_EDITOR_IMAGE";

    /// <summary>The host port the app is published on.</summary>
    public const string PortVariable = "SPEC_EDITOR_PORT";

    /// <summary>The host address the port is published on (loopback by default in the file).</summary>
    public const string BindAddressVariable = "SPEC_EDITOR_BIND";

    /// <summary>The env file with the app's settings, secrets included.</summary>
    public const string EnvFileVariable = "SPEC_EDITOR_ENV_FILE";
}
