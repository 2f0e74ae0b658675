using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace SpecEditor.Automation.Runners.Kubernetes;

/// <summary>
/// The few Kubernetes REST calls the Jobs runner makes (Secrets, Jobs, Pods and a pod's log), over one HttpClient with
/// source-generated JSON. A non-2xx answer throws <see cref="KubernetesApiException"/> with its status code and body.
/// </summary>
internal sealed class KubernetesApi : IDisposable
{
    /// <summary>For every call but the followed log, whose stream lasts as long as the container runs.</summary>
    internal static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(100);

    private static readonly MediaTypeHeaderValue Json = new("application/json") { CharSet = "utf-8" };
    private static readonly MediaTypeHeaderValue MergePatch = new("application/merge-patch+json") { CharSet = "utf-8" };

    private readonly HttpClient _http;
    private readonly Func<string?> _token;

    public KubernetesApi(KubernetesConnection connection)
        : this(connection.Server, connection.CreateHandler(), connection.CurrentToken)
    {
    }

    internal KubernetesApi(Uri server, HttpMessageHandler handler, Func<string?> token)
    {
        // Per-call timeouts instead of the client's, so the followed log can run without one.
        _http = new HttpClient(handler) { BaseAddress = server, Timeout = Timeout.InfiniteTimeSpan };
        _http.DefaultRequestHeaders.UserAgent.Add(new ProductInfoHeaderValue("spec-editor", null));
        _token = token;
    }

    public Task<V1Secret> CreateSecretAsync(string ns, V1Secret secret, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Post, $"api/v1/namespaces/{Escape(ns)}/secrets", Body(secret, KubernetesJsonContext.Default.V1Secret, Json), KubernetesJsonContext.Default.V1Secret, cancellationToken);

    public Task<V1SecretList> ListSecretsAsync(string ns, string labelSelector, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Get, $"api/v1/namespaces/{Escape(ns)}/secrets{ListQuery(labelSelector)}", null, KubernetesJsonContext.Default.V1SecretList, cancellationToken);

    /// <summary>A JSON merge patch (RFC 7386): the fields of <paramref name="patch"/> that are set replace the Secret's.</summary>
    public Task<V1Secret> MergePatchSecretAsync(string ns, string name, V1Secret patch, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Patch, $"api/v1/namespaces/{Escape(ns)}/secrets/{Escape(name)}", Body(patch, KubernetesJsonContext.Default.V1Secret, MergePatch), KubernetesJsonContext.Default.V1Secret, cancellationToken);

    public Task DeleteSecretAsync(string ns, string name, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Delete, $"api/v1/namespaces/{Escape(ns)}/secrets/{Escape(name)}", null, KubernetesJsonContext.Default.V1Status, cancellationToken);

    public Task<V1Job> CreateJobAsync(string ns, V1Job job, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Post, $"apis/batch/v1/namespaces/{Escape(ns)}/jobs", Body(job, KubernetesJsonContext.Default.V1Job, Json), KubernetesJsonContext.Default.V1Job, cancellationToken);

    public Task<V1Job> ReadJobAsync(string ns, string name, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Get, $"apis/batch/v1/namespaces/{Escape(ns)}/jobs/{Escape(name)}", null, KubernetesJsonContext.Default.V1Job, cancellationToken);

    public Task<V1JobList> ListJobsAsync(string ns, string labelSelector, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Get, $"apis/batch/v1/namespaces/{Escape(ns)}/jobs{ListQuery(labelSelector)}", null, KubernetesJsonContext.Default.V1JobList, cancellationToken);

    /// <summary>Deletes a Job; <c>Background</c> propagation has the garbage collector delete its pods (and what it owns) after.</summary>
    public Task DeleteJobAsync(string ns, string name, string propagationPolicy, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Delete, $"apis/batch/v1/namespaces/{Escape(ns)}/jobs/{Escape(name)}?propagationPolicy={Escape(propagationPolicy)}", null, KubernetesJsonContext.Default.V1Status, cancellationToken);

    public Task<V1Pod> ReadPodAsync(string ns, string name, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Get, $"api/v1/namespaces/{Escape(ns)}/pods/{Escape(name)}", null, KubernetesJsonContext.Default.V1Pod, cancellationToken);

    public Task<V1PodList> ListPodsAsync(string ns, string labelSelector, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Get, $"api/v1/namespaces/{Escape(ns)}/pods{ListQuery(labelSelector)}", null, KubernetesJsonContext.Default.V1PodList, cancellationToken);

    /// <summary>
    /// A container's log, followed: the stream ends when the container does. No timeout; <paramref name="cancellationToken"/>
    /// or disposing the stream ends it.
    /// </summary>
    public async Task<Stream> FollowPodLogAsync(string ns, string name, string container, CancellationToken cancellationToken)
    {
        var path = $"api/v1/namespaces/{Escape(ns)}/pods/{Escape(name)}/log?container={Escape(container)}&follow=true";
        using var request = Request(HttpMethod.Get, path, null);
        var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        try
        {
            await EnsureSuccessAsync(request.Method, path, response, cancellationToken).ConfigureAwait(false);
            return await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            response.Dispose();
            throw;
        }
    }

    public void Dispose() => _http.Dispose();

    private async Task<T> SendAsync<T>(HttpMethod method, string path, HttpContent? body, JsonTypeInfo<T> answer, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(RequestTimeout);
        using var request = Request(method, path, body);
        try
        {
            using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token).ConfigureAwait(false);
            await EnsureSuccessAsync(method, path, response, timeout.Token).ConfigureAwait(false);
            var content = await response.Content.ReadAsStreamAsync(timeout.Token).ConfigureAwait(false);
            await using (content.ConfigureAwait(false))
            {
                return await JsonSerializer.DeserializeAsync(content, answer, timeout.Token).ConfigureAwait(false)
                    ?? throw new InvalidDataException($"Kubernetes API {method} {Path(path)} answered null");
            }
        }
        catch (OperationCanceledException ex) when (!cancellationToken.IsCancellationRequested)
        {
            // Ours, not the caller's: a failure to retry, not a cancellation.
            throw new TimeoutException($"Kubernetes API {method} {Path(path)} did not answer within {RequestTimeout.TotalSeconds:0} s", ex);
        }
    }

    private HttpRequestMessage Request(HttpMethod method, string path, HttpContent? body)
    {
        var request = new HttpRequestMessage(method, path) { Content = body };
        if (_token() is { Length: > 0 } token)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        return request;
    }

    private static async Task EnsureSuccessAsync(HttpMethod method, string path, HttpResponseMessage response, CancellationToken cancellationToken)
    {
        if (!response.IsSuccessStatusCode)
        {
            var body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
            throw new KubernetesApiException(method, path, response.StatusCode, body);
        }
    }

    /// <summary>Serialised up front, so the request has a Content-Length rather than a chunked body.</summary>
    private static ByteArrayContent Body<T>(T value, JsonTypeInfo<T> type, MediaTypeHeaderValue contentType)
    {
        var content = new ByteArrayContent(JsonSerializer.SerializeToUtf8Bytes(value, type));
        content.Headers.ContentType = contentType;
        return content;
    }

    private static string ListQuery(string labelSelector) => $"?labelSelector={Escape(labelSelector)}&watch=false";

    private static string Escape(string value) => Uri.EscapeDataString(value);

    private static string Path(string pathAndQuery) => pathAndQuery.Split('?', 2)[0];
}

/// <summary>A non-2xx answer of the Kubernetes API: its status code and its body (usually a <c>Status</c> object).</summary>
public sealed class KubernetesApiException : Exception
{
    internal KubernetesApiException(HttpMethod method, string path, HttpStatusCode statusCode, string body)
        : base($"Kubernetes API {method} /{path.Split('?', 2)[0].TrimStart('/')}: {(int)statusCode} {statusCode}: {Describe(body)}")
    {
        StatusCode = statusCode;
        Body = body;
    }

    public HttpStatusCode StatusCode { get; }

    /// <summary>The answer's body as sent, for messages that quote it.</summary>
    public string Body { get; }

    private static string Describe(string body)
    {
        try
        {
            if (JsonSerializer.Deserialize(body, KubernetesJsonContext.Default.V1Status) is { Message: { Length: > 0 } message })
            {
                return message;
            }
        }
        catch (JsonException)
        {
        }

        return body.Length > 500 ? body[..500] : body;
    }
}
