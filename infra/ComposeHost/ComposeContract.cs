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

    /// <summary>The host folder for automation run workspaces, mounted at the same path in the app container.</summary>
    public const string AutomationWorkDirVariable = "AUTOMATION_WORK_DIR";

    /// <summary>The group owning the Docker socket, added to the app so it can start automation jobs.</summary>
    public const string DockerGroupVariable = "DOCKER_GID";
}
