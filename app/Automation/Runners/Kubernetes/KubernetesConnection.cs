using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using YamlDotNet.RepresentationModel;

namespace SpecEditor.Automation.Runners.Kubernetes;

/// <summary>
/// Where the Kubernetes API is and how to reach it: the server's address, the certificate authorities that vouch for it, and
/// the app's credential (a bearer token, possibly from a file the kubelet rotates, or a client certificate). Found, in this
/// order, from <c>AUTOMATION_K8S_API_URL</c>, the pod's service account when running in a cluster, or the kubeconfig file.
/// </summary>
internal sealed class KubernetesConnection
{
    internal const string ServiceAccountDirectory = "/var/run/secrets/kubernetes.io/serviceaccount";

    public required Uri Server { get; init; }

    /// <summary>Roots trusted for the server's certificate; empty means the system's.</summary>
    public X509Certificate2Collection CertificateAuthorities { get; init; } = [];

    public bool SkipTlsVerify { get; init; }

    public X509Certificate2? ClientCertificate { get; init; }

    public string? Token { get; init; }

    /// <summary>Read again whenever it changes, so a rotated token is used as soon as it is written.</summary>
    public TokenFile? TokenFile { get; init; }

    public string? CurrentToken() => TokenFile?.Read() ?? Token;

    /// <summary>The API address as given (as for tests), else in-cluster configuration, else the kubeconfig file.</summary>
    public static KubernetesConnection Resolve(string? apiUrl) =>
        apiUrl is { Length: > 0 } url
            ? new KubernetesConnection { Server = new Uri(url) }
            : InCluster(Environment.GetEnvironmentVariable("KUBERNETES_SERVICE_HOST"), Environment.GetEnvironmentVariable("KUBERNETES_SERVICE_PORT"), ServiceAccountDirectory)
                ?? FromKubeconfig(KubeconfigPaths(Environment.GetEnvironmentVariable("KUBECONFIG"), Environment.GetFolderPath(Environment.SpecialFolder.UserProfile)));

    /// <summary>
    /// The pod's service account: the API server at the service address Kubernetes puts in every pod's environment, its
    /// token and the cluster's CA from the mounted account folder. Null when not in a cluster (no address, token or CA).
    /// </summary>
    public static KubernetesConnection? InCluster(string? host, string? port, string serviceAccountDirectory)
    {
        var tokenPath = Path.Combine(serviceAccountDirectory, "token");
        var caPath = Path.Combine(serviceAccountDirectory, "ca.crt");
        if (string.IsNullOrEmpty(host) || string.IsNullOrEmpty(port) || !File.Exists(tokenPath) || !File.Exists(caPath))
        {
            return null;
        }

        return new KubernetesConnection
        {
            // UriBuilder brackets an IPv6 service address.
            Server = new UriBuilder(Uri.UriSchemeHttps, host, int.Parse(port, System.Globalization.CultureInfo.InvariantCulture)).Uri,
            CertificateAuthorities = LoadPem(File.ReadAllText(caPath), caPath),
            TokenFile = new TokenFile(tokenPath),
        };
    }

    /// <summary><c>$KUBECONFIG</c> (a list, as kubectl reads it) or <c>~/.kube/config</c>.</summary>
    public static IReadOnlyList<string> KubeconfigPaths(string? kubeconfigVariable, string home) =>
        kubeconfigVariable is { Length: > 0 } list
            ? list.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            : [Path.Combine(home, ".kube", "config")];

    /// <summary>
    /// The current context's cluster and user from kubeconfig files, merged as kubectl merges them: the first file to set a
    /// current context or to name a context, cluster or user wins. Relative file paths are relative to the file naming them.
    /// </summary>
    public static KubernetesConnection FromKubeconfig(IReadOnlyList<string> paths)
    {
        var files = paths.Where(File.Exists).Select(path => (Path: Path.GetFullPath(path), Root: LoadYaml(path))).ToList();
        if (files.Count == 0)
        {
            throw new InvalidOperationException(
                $"No Kubernetes configuration: not running in a cluster (KUBERNETES_SERVICE_HOST, {ServiceAccountDirectory}) and no kubeconfig at {string.Join(", ", paths)}. " +
                "Set KUBECONFIG or AUTOMATION_K8S_API_URL.");
        }

        var contextName = files.Select(f => Scalar(f.Root, "current-context")).FirstOrDefault(c => c is { Length: > 0 })
            ?? throw new InvalidOperationException($"The kubeconfig ({Describe(files)}) has no current-context.");
        var (context, _) = Named(files, "contexts", "context", contextName);
        var clusterName = Scalar(context, "cluster") ?? throw new InvalidOperationException($"kubeconfig context '{contextName}' names no cluster.");
        var (cluster, clusterFile) = Named(files, "clusters", "cluster", clusterName);
        var userName = Scalar(context, "user");
        var (user, userFile) = userName is null ? (new YamlMappingNode(), clusterFile) : Named(files, "users", "user", userName);

        var server = Scalar(cluster, "server") is { Length: > 0 } address
            ? new Uri(address)
            : throw new InvalidOperationException($"kubeconfig cluster '{clusterName}' has no server.");
        var authorities = Scalar(cluster, "certificate-authority-data") is { Length: > 0 } caData
            ? LoadPem(FromBase64(caData, $"cluster '{clusterName}' certificate-authority-data"), $"cluster '{clusterName}' certificate-authority-data")
            : Scalar(cluster, "certificate-authority") is { Length: > 0 } caFile
                ? LoadPem(File.ReadAllText(Relative(clusterFile, caFile)), caFile)
                : [];

        foreach (var unsupported in new[] { "exec", "auth-provider", "username", "password" })
        {
            if (Child(user, unsupported) is not null)
            {
                throw new InvalidOperationException(
                    $"kubeconfig user '{userName}' authenticates with '{unsupported}', which the app does not support. " +
                    "Supported: token, tokenFile, client-certificate(-data) with client-key(-data); or run the app in the cluster with its service account.");
            }
        }

        return new KubernetesConnection
        {
            Server = server,
            CertificateAuthorities = authorities,
            SkipTlsVerify = string.Equals(Scalar(cluster, "insecure-skip-tls-verify"), "true", StringComparison.OrdinalIgnoreCase),
            Token = Scalar(user, "token") is { Length: > 0 } token ? token : null,
            TokenFile = Scalar(user, "tokenFile") is { Length: > 0 } tokenFile ? new TokenFile(Relative(userFile, tokenFile)) : null,
            ClientCertificate = ClientCertificateOf(user, userName, userFile),
        };
    }

    /// <summary>TLS as configured: the given roots (or none checked at all when told to skip) and the client certificate.</summary>
    public SocketsHttpHandler CreateHandler()
    {
        var handler = new SocketsHttpHandler();
        if (SkipTlsVerify)
        {
            // The kubeconfig's insecure-skip-tls-verify: the user asked for no check of the server (a local test cluster).
#pragma warning disable CA5359
            handler.SslOptions.RemoteCertificateValidationCallback = static (_, _, _, _) => true;
#pragma warning restore CA5359
        }
        else if (CertificateAuthorities.Count > 0)
        {
            // Only these roots, as kubectl does; the host name is still checked against the certificate.
            var policy = new X509ChainPolicy { TrustMode = X509ChainTrustMode.CustomRootTrust, RevocationMode = X509RevocationMode.NoCheck, DisableCertificateDownloads = true };
            policy.CustomTrustStore.AddRange(CertificateAuthorities);
            handler.SslOptions.CertificateChainPolicy = policy;
        }

        if (ClientCertificate is not null)
        {
            handler.SslOptions.ClientCertificates = [ClientCertificate];
            handler.SslOptions.LocalCertificateSelectionCallback = (_, _, _, _, _) => ClientCertificate;
        }

        return handler;
    }

    private static X509Certificate2? ClientCertificateOf(YamlMappingNode user, string? userName, string userFile)
    {
        var certificate = Scalar(user, "client-certificate-data") is { Length: > 0 } certData
            ? FromBase64(certData, $"user '{userName}' client-certificate-data")
            : Scalar(user, "client-certificate") is { Length: > 0 } certFile ? File.ReadAllText(Relative(userFile, certFile)) : null;
        var key = Scalar(user, "client-key-data") is { Length: > 0 } keyData
            ? FromBase64(keyData, $"user '{userName}' client-key-data")
            : Scalar(user, "client-key") is { Length: > 0 } keyFile ? File.ReadAllText(Relative(userFile, keyFile)) : null;
        if (certificate is null && key is null)
        {
            return null;
        }

        if (certificate is null || key is null)
        {
            throw new InvalidOperationException($"kubeconfig user '{userName}' has a client certificate or key without the other.");
        }

        using var ephemeral = X509Certificate2.CreateFromPem(certificate, key);
        // A PEM key is ephemeral; some platforms' TLS (Windows, macOS) can sign only with a stored key, so go through PKCS#12.
        return X509CertificateLoader.LoadPkcs12(ephemeral.Export(X509ContentType.Pkcs12), null);
    }

    private static X509Certificate2Collection LoadPem(string pem, string source)
    {
        var certificates = new X509Certificate2Collection();
        certificates.ImportFromPem(pem);
        return certificates.Count > 0 ? certificates : throw new InvalidOperationException($"No PEM certificate in {source}.");
    }

    private static string FromBase64(string value, string source)
    {
        try
        {
            return Encoding.UTF8.GetString(Convert.FromBase64String(value));
        }
        catch (FormatException ex)
        {
            throw new InvalidOperationException($"kubeconfig {source} is not base64.", ex);
        }
    }

    private static string Relative(string configFile, string path) => Path.GetFullPath(path, Path.GetDirectoryName(configFile)!);

    private static YamlMappingNode LoadYaml(string path)
    {
        var yaml = new YamlStream();
        using (var reader = File.OpenText(path))
        {
            yaml.Load(reader);
        }

        return yaml.Documents.Count > 0 && yaml.Documents[0].RootNode is YamlMappingNode root ? root : new YamlMappingNode();
    }

    /// <summary>The <paramref name="field"/> mapping of the first entry of list <paramref name="list"/> called <paramref name="name"/>.</summary>
    private static (YamlMappingNode Node, string File) Named(List<(string Path, YamlMappingNode Root)> files, string list, string field, string name)
    {
        foreach (var (path, root) in files)
        {
            if (Child(root, list) is YamlSequenceNode entries)
            {
                foreach (var entry in entries.OfType<YamlMappingNode>())
                {
                    if (Scalar(entry, "name") == name)
                    {
                        return (Child(entry, field) as YamlMappingNode ?? new YamlMappingNode(), path);
                    }
                }
            }
        }

        throw new InvalidOperationException($"The kubeconfig ({Describe(files)}) has no {field} named '{name}'.");
    }

    private static YamlNode? Child(YamlMappingNode node, string key) =>
        node.Children.TryGetValue(new YamlScalarNode(key), out var child) ? child : null;

    private static string? Scalar(YamlMappingNode node, string key) => (Child(node, key) as YamlScalarNode)?.Value;

    private static string Describe(List<(string Path, YamlMappingNode Root)> files) => string.Join(", ", files.Select(f => f.Path));
}

/// <summary>A bearer token in a file, read again when the file changes (the kubelet rewrites projected tokens before they expire).</summary>
internal sealed class TokenFile(string path)
{
    private readonly Lock _lock = new();
    private DateTime _readAt;
    private string? _token;

    public string Read()
    {
        var written = File.GetLastWriteTimeUtc(path);
        lock (_lock)
        {
            if (_token is null || written != _readAt)
            {
                _token = File.ReadAllText(path).Trim();
                _readAt = written;
            }

            return _token;
        }
    }
}
