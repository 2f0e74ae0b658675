namespace SpecEditor.Infra.ComposeHost;

/// <summary>A secret the host fetches from SSM Parameter Store at boot, by name only.</summary>
/// <param name="Variable">The environment variable the app reads it from.</param>
/// <param name="Parameter">The SecureString parameter holding it.</param>
/// <param name="Version">The parameter's version: written into the user data so a changed value replaces the host.</param>
internal sealed record SecretParameter(string Variable, string Parameter, int Version);

/// <summary>How the host logs in to the registry before pulling.</summary>
internal abstract record RegistryLogin
{
    /// <summary>ECR: a login token from the instance role (<c>aws ecr get-login-password</c>).</summary>
    public sealed record Ecr(string Registry) : RegistryLogin;

    /// <summary>GHCR: a read:packages token kept in a SecureString parameter.</summary>
    public sealed record Ghcr(string Username, SecretParameter Token) : RegistryLogin;
}

/// <summary>
/// Everything the compose host's user data says, as plain values. Nothing here is secret: secrets are named by their
/// parameters and fetched at boot.
/// </summary>
internal sealed record HostBoot
{
    public required string Stack { get; init; }

    public required string Region { get; init; }

    /// <summary>app/compose.yaml exactly as it is in the repository.</summary>
    public required ReadOnlyMemory<byte> ComposeFile { get; init; }

    /// <summary>The digest reference of the app image.</summary>
    public required string Image { get; init; }

    public required int HostPort { get; init; }

    /// <summary>Non-secret app settings.</summary>
    public required IReadOnlyDictionary<string, string> Environment { get; init; }

    public required IReadOnlyList<SecretParameter> Secrets { get; init; }

    public required RegistryLogin Login { get; init; }

    /// <summary>The EBS volume holding Docker's named volumes (the app's data), kept across host replacements.</summary>
    public required string DataVolumeId { get; init; }
}
