using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.Logging;
using SpecEditor.Automation.Runners.Kubernetes;
using SpecEditor.Tests.TestSupport;

namespace SpecEditor.Tests.Automation.Runners.Kubernetes;

/// <summary>
/// How the Kubernetes runner finds and reaches the API server: the pod's service account, kubeconfig files, and TLS with the
/// configured CA and client certificate against a real HTTPS server. Certificates are made here, signed by a test CA.
/// </summary>
public sealed class KubernetesConnectionTests : IDisposable
{
    private readonly TempDirectory _dir = new("spec-editor-k8s-config");
    private readonly TestPki _pki = new();

    public void Dispose()
    {
        _dir.Dispose();
        _pki.Dispose();
    }

    [Fact]
    public void In_a_cluster_the_service_account_gives_the_server_its_ca_and_a_token_read_again_when_the_kubelet_rotates_it()
    {
        var account = _dir.File("serviceaccount");
        var tokenPath = _dir.Write("serviceaccount/token", "first-token\n");
        _dir.Write("serviceaccount/ca.crt", _pki.Ca.ExportCertificatePem());
        _dir.Write("serviceaccount/namespace", "speckit");

        var connection = KubernetesConnection.InCluster("10.96.0.1", "443", account)!;

        Assert.Equal(new Uri("https://10.96.0.1:443/"), connection.Server);
        Assert.Equal(_pki.Ca.Thumbprint, Assert.Single(connection.CertificateAuthorities).Thumbprint);
        Assert.Equal("first-token", connection.CurrentToken());

        File.WriteAllText(tokenPath, "rotated-token\n");
        File.SetLastWriteTimeUtc(tokenPath, DateTime.UtcNow.AddMinutes(1));
        Assert.Equal("rotated-token", connection.CurrentToken());
    }

    [Fact]
    public void An_ipv6_service_address_is_bracketed()
    {
        _dir.Write("serviceaccount/token", "t");
        _dir.Write("serviceaccount/ca.crt", _pki.Ca.ExportCertificatePem());

        Assert.Equal("https://[fd00::1]:6443/", KubernetesConnection.InCluster("fd00::1", "6443", _dir.File("serviceaccount"))!.Server.ToString());
    }

    [Fact]
    public void Outside_a_cluster_there_is_no_in_cluster_connection()
    {
        _dir.Write("serviceaccount/ca.crt", _pki.Ca.ExportCertificatePem());
        Assert.Null(KubernetesConnection.InCluster(null, null, _dir.File("serviceaccount")));
        // The address without the account's token (a pod with automountServiceAccountToken: false) is not enough either.
        Assert.Null(KubernetesConnection.InCluster("10.96.0.1", "443", _dir.File("serviceaccount")));
    }

    [Fact]
    public void The_kubeconfig_current_context_picks_the_cluster_and_user_with_inline_data()
    {
        var path = _dir.Write("config", $$"""
            apiVersion: v1
            kind: Config
            current-context: prod
            contexts:
            - name: dev
              context: {cluster: dev-cluster, user: dev-user}
            - name: prod
              context:
                cluster: prod-cluster
                user: prod-user
                namespace: ignored
            clusters:
            - name: dev-cluster
              cluster: {server: "https://dev.example:6443", insecure-skip-tls-verify: true}
            - name: prod-cluster
              cluster:
                server: https://prod.example:6443
                certificate-authority-data: {{Base64(_pki.Ca.ExportCertificatePem())}}
            users:
            - name: dev-user
              user: {token: dev-token}
            - name: prod-user
              user:
                token: prod-token
            """);

        var connection = KubernetesConnection.FromKubeconfig([path]);

        Assert.Equal(new Uri("https://prod.example:6443"), connection.Server);
        Assert.Equal(_pki.Ca.Thumbprint, Assert.Single(connection.CertificateAuthorities).Thumbprint);
        Assert.False(connection.SkipTlsVerify);
        Assert.Equal("prod-token", connection.CurrentToken());
        Assert.Null(connection.ClientCertificate);
    }

    [Fact]
    public void Kubeconfig_files_are_relative_to_the_kubeconfig_and_give_a_ca_a_client_certificate_and_a_token_file()
    {
        var (certificatePem, keyPem) = _pki.Client();
        _dir.Write("kube/certs/ca.crt", _pki.Ca.ExportCertificatePem());
        _dir.Write("kube/certs/client.crt", certificatePem);
        _dir.Write("kube/certs/client.key", keyPem);
        _dir.Write("kube/token", "file-token\n");
        var path = _dir.Write("kube/config", """
            current-context: minikube
            contexts:
            - name: minikube
              context: {cluster: minikube, user: minikube}
            clusters:
            - name: minikube
              cluster:
                server: https://192.168.49.2:8443
                certificate-authority: certs/ca.crt
            users:
            - name: minikube
              user:
                client-certificate: certs/client.crt
                client-key: certs/client.key
                tokenFile: token
            """);

        var connection = KubernetesConnection.FromKubeconfig([path]);

        Assert.Equal(_pki.Ca.Thumbprint, Assert.Single(connection.CertificateAuthorities).Thumbprint);
        Assert.Equal("CN=test-client, O=system:masters", connection.ClientCertificate!.Subject);
        Assert.True(connection.ClientCertificate.HasPrivateKey);
        Assert.Equal("file-token", connection.CurrentToken());
    }

    [Fact]
    public void Kubeconfig_files_in_KUBECONFIG_merge_with_the_first_to_set_a_value_winning()
    {
        var first = _dir.Write("a.yaml", """
            current-context: shared
            users:
            - name: me
              user: {token: from-first}
            """);
        var second = _dir.Write("b.yaml", """
            current-context: other
            contexts:
            - name: shared
              context: {cluster: c, user: me}
            clusters:
            - name: c
              cluster: {server: "https://merged.example"}
            users:
            - name: me
              user: {token: from-second}
            """);

        var paths = KubernetesConnection.KubeconfigPaths($"{first}{Path.PathSeparator}{_dir.File("missing.yaml")}{Path.PathSeparator}{second}", "/home/nobody");
        var connection = KubernetesConnection.FromKubeconfig(paths);

        Assert.Equal(new Uri("https://merged.example"), connection.Server);
        Assert.Equal("from-first", connection.CurrentToken());
        Assert.Equal([Path.Combine("/home/nobody", ".kube", "config")], KubernetesConnection.KubeconfigPaths(null, "/home/nobody"));
    }

    [Fact]
    public void A_kubeconfig_user_with_an_exec_plugin_is_refused_naming_what_is_supported()
    {
        var path = _dir.Write("config", """
            current-context: eks
            contexts:
            - name: eks
              context: {cluster: eks, user: eks}
            clusters:
            - name: eks
              cluster: {server: "https://eks.example"}
            users:
            - name: eks
              user:
                exec:
                  apiVersion: client.authentication.k8s.io/v1beta1
                  command: aws
                  args: [eks, get-token, --cluster-name, prod]
            """);

        var error = Assert.Throws<InvalidOperationException>(() => KubernetesConnection.FromKubeconfig([path]));

        Assert.Contains("'exec'", error.Message, StringComparison.Ordinal);
        Assert.Contains("Supported: token, tokenFile, client-certificate", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Without_a_kubeconfig_the_error_says_where_it_looked_and_what_to_set()
    {
        var missing = _dir.File("nowhere", "config");

        var error = Assert.Throws<InvalidOperationException>(() => KubernetesConnection.FromKubeconfig([missing]));

        Assert.Contains(missing, error.Message, StringComparison.Ordinal);
        Assert.Contains("KUBECONFIG", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Tls_trusts_the_configured_ca_and_presents_the_client_certificate_and_token()
    {
        await using var server = await TlsServer.StartAsync(_pki.Server());
        var (certificatePem, keyPem) = _pki.Client();
        var path = _dir.Write("config", $$"""
            current-context: test
            contexts:
            - name: test
              context: {cluster: test, user: test}
            clusters:
            - name: test
              cluster:
                server: {{server.Url}}
                certificate-authority-data: {{Base64(_pki.Ca.ExportCertificatePem())}}
            users:
            - name: test
              user:
                token: the-token
                client-certificate-data: {{Base64(certificatePem)}}
                client-key-data: {{Base64(keyPem)}}
            """);
        using var api = new KubernetesApi(KubernetesConnection.FromKubeconfig([path]));

        var pods = await api.ListPodsAsync("speckit", "job-name=x", TestContext.Current.CancellationToken);

        Assert.Empty(pods.Items);
        Assert.Equal("CN=test-client, O=system:masters", server.ClientSubject);
        Assert.Equal("Bearer the-token", server.Authorization);
    }

    [Fact]
    public async Task Tls_refuses_a_server_the_configured_ca_did_not_sign()
    {
        await using var server = await TlsServer.StartAsync(_pki.Server());
        using var otherPki = new TestPki();
        var connection = new KubernetesConnection { Server = server.Url, CertificateAuthorities = [otherPki.Ca] };
        using var api = new KubernetesApi(connection);

        await Assert.ThrowsAsync<HttpRequestException>(() => api.ListPodsAsync("speckit", "job-name=x", TestContext.Current.CancellationToken));
        Assert.Null(server.Authorization);
    }

    private static string Base64(string text) => Convert.ToBase64String(Encoding.UTF8.GetBytes(text));

    /// <summary>A CA made for the test, and certificates it signs for a server on 127.0.0.1 and for a client.</summary>
    private sealed class TestPki : IDisposable
    {
        private readonly ECDsa _caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);

        public TestPki()
        {
            var request = new CertificateRequest("CN=test-kubernetes-ca", _caKey, HashAlgorithmName.SHA256);
            request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
            request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
            Ca = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        }

        public X509Certificate2 Ca { get; }

        public X509Certificate2 Server()
        {
            using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            var request = new CertificateRequest("CN=kube-apiserver", key, HashAlgorithmName.SHA256);
            var names = new SubjectAlternativeNameBuilder();
            names.AddIpAddress(IPAddress.Loopback);
            request.CertificateExtensions.Add(names.Build());
            request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
            using var signed = request.Create(Ca, DateTimeOffset.UtcNow.AddHours(-1), DateTimeOffset.UtcNow.AddHours(1), [1, 2, 3, 4]);
            using var withKey = signed.CopyWithPrivateKey(key);
            return X509CertificateLoader.LoadPkcs12(withKey.Export(X509ContentType.Pkcs12), null);
        }

        /// <summary>An RSA client certificate and its PKCS#1 key in PEM, as minikube writes them.</summary>
        public (string Certificate, string Key) Client()
        {
            using var key = RSA.Create(2048);
            var request = new CertificateRequest("CN=test-client, O=system:masters", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
            request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.2")], false));
            // An RSA key signed by the EC CA: the generator, since the issuer's key type differs from the request's.
            using var signed = request.Create(Ca.SubjectName, X509SignatureGenerator.CreateForECDsa(_caKey), DateTimeOffset.UtcNow.AddHours(-1), DateTimeOffset.UtcNow.AddHours(1), [5, 6, 7, 8]);
            return (signed.ExportCertificatePem(), key.ExportRSAPrivateKeyPem());
        }

        public void Dispose()
        {
            Ca.Dispose();
            _caKey.Dispose();
        }
    }

    /// <summary>An HTTPS server answering the pod list, remembering the client certificate and Authorization header it got.</summary>
    private sealed class TlsServer : IAsyncDisposable
    {
        private readonly WebApplication _app;
        private readonly X509Certificate2 _certificate;

        private TlsServer(WebApplication app, X509Certificate2 certificate)
        {
            _app = app;
            _certificate = certificate;
        }

        public Uri Url { get; private set; } = null!;

        public string? ClientSubject { get; private set; }

        public string? Authorization { get; private set; }

        public static async Task<TlsServer> StartAsync(X509Certificate2 certificate)
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.Logging.ClearProviders();
            builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0, listen => listen.UseHttps(new HttpsConnectionAdapterOptions
            {
                ServerCertificate = certificate,
                ClientCertificateMode = ClientCertificateMode.AllowCertificate,
                ClientCertificateValidation = (_, _, _) => true,
            })));
            var app = builder.Build();
            var server = new TlsServer(app, certificate);
            app.MapGet("/api/v1/namespaces/{ns}/pods", (HttpContext context) =>
            {
                server.ClientSubject = context.Connection.ClientCertificate?.Subject;
                server.Authorization = context.Request.Headers.Authorization;
                return Results.Text("""{"kind":"PodList","apiVersion":"v1","metadata":{},"items":[]}""", "application/json");
            });
            await app.StartAsync(TestContext.Current.CancellationToken);
            server.Url = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
            return server;
        }

        public async ValueTask DisposeAsync()
        {
            await _app.StopAsync(CancellationToken.None);
            await _app.DisposeAsync();
            _certificate.Dispose();
        }
    }
}
