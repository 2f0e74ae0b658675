using System.Net;

namespace SpecEditor.Hosting;

/// <summary>Where the app listens and keeps its data.</summary>
public sealed class HostingSettings : ISettings<HostingSettings>
{
    public static void Bind(IConfiguration configuration, HostingSettings settings) => configuration.Bind(settings);

    /// <summary>Folder for the local store, the SQLite database and data-protection keys. Created on first run.</summary>
    [ConfigurationKeyName("DATA_DIR")]
    public string DataDir { get; set; } = DefaultDataDir();

    [ConfigurationKeyName("LISTEN_ADDRESS")]
    public string ListenAddress { get; set; } = "127.0.0.1";

    [ConfigurationKeyName("PORT")]
    public string Port { get; set; } = "5000";

    /// <summary>Largest request body accepted, in bytes; larger ones get 413.</summary>
    [ConfigurationKeyName("MAX_REQUEST_BYTES")]
    public string MaxRequestBytes { get; set; } = "1048576";

    /// <summary>The address people reach the app at; used for links in pull requests. Defaults to the listen address.</summary>
    [ConfigurationKeyName("PUBLIC_URL")]
    public string? PublicUrl { get; set; }

    public int PortNumber => int.Parse(Port, System.Globalization.CultureInfo.InvariantCulture);

    public long MaxRequestBodyBytes => long.Parse(MaxRequestBytes, System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>A method, not a property: the configuration binder's generated code would try to bind an <see cref="IPAddress"/> property, a type it cannot build.</summary>
    public IPAddress ListenIPAddress() => IPAddress.Parse(ListenAddress);

    public IEnumerable<string> Validate()
    {
        if (string.IsNullOrWhiteSpace(DataDir))
        {
            yield return "DATA_DIR: is empty and no home folder is known; set it to a writable folder";
        }
        else if (!Path.IsPathFullyQualified(DataDir))
        {
            yield return $"DATA_DIR: '{DataDir}' must be an absolute path";
        }

        if (!IPAddress.TryParse(ListenAddress, out _))
        {
            yield return $"LISTEN_ADDRESS: '{ListenAddress}' is not an IP address (e.g. 127.0.0.1 or 0.0.0.0)";
        }

        if (!int.TryParse(Port, out var port) || port is < 0 or > 65535)
        {
            yield return $"PORT: '{Port}' is not a port number (0-65535)";
        }

        if (!long.TryParse(MaxRequestBytes, out var max) || max < 1024)
        {
            yield return $"MAX_REQUEST_BYTES: '{MaxRequestBytes}' must be a whole number of bytes, at least 1024";
        }

        if (PublicUrl is { Length: > 0 } url && (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https")))
        {
            yield return $"PUBLIC_URL: '{url}' is not an absolute http(s) URL";
        }
    }

    /// <summary>The base URL for links back to the app.</summary>
    public string BaseUrl => PublicUrl is { Length: > 0 } url ? url.TrimEnd('/') : $"http://{ListenHost}:{Port}";

    /// <summary>The listen address as a URL host: "localhost" for every address, IPv6 in brackets.</summary>
    private string ListenHost => ListenIPAddress() switch
    {
        var any when any.Equals(IPAddress.Any) || any.Equals(IPAddress.IPv6Any) => "localhost",
        { AddressFamily: System.Net.Sockets.AddressFamily.InterNetworkV6 } v6 => $"[{v6}]",
        var v4 => v4.ToString(),
    };

    private static string DefaultDataDir()
    {
        var root = Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData);
        return string.IsNullOrEmpty(root) ? string.Empty : Path.Combine(root, "spec-editor");
    }
}
