using System.Net;
using System.Text;
using SpecEditor.Automation.Runners.Kubernetes;

namespace SpecEditor.Tests.Automation.Runners.Kubernetes;

/// <summary>The Kubernetes client's answers to errors, and the token it sends with each request.</summary>
public sealed class KubernetesApiTests
{
    [Fact]
    public async Task A_refusal_keeps_its_status_code_and_body_and_says_the_status_message()
    {
        const string body = """{"kind":"Status","apiVersion":"v1","status":"Failure","message":"Job.batch \"x\" is invalid: spec.template.spec.containers[0].image: Required value","reason":"Invalid","code":422}""";
        using var api = Api(_ => Answer(HttpStatusCode.UnprocessableEntity, body));

        var error = await Assert.ThrowsAsync<KubernetesApiException>(() => api.CreateJobAsync("speckit", new V1Job(), TestContext.Current.CancellationToken));

        Assert.Equal(HttpStatusCode.UnprocessableEntity, error.StatusCode);
        Assert.Equal(body, error.Body);
        Assert.Equal("Kubernetes API POST /apis/batch/v1/namespaces/speckit/jobs: 422 UnprocessableEntity: Job.batch \"x\" is invalid: spec.template.spec.containers[0].image: Required value", error.Message);
    }

    [Fact]
    public async Task An_error_that_is_not_a_status_object_is_reported_as_sent()
    {
        using var api = Api(_ => Answer(HttpStatusCode.BadGateway, "upstream connect error"));

        var error = await Assert.ThrowsAsync<KubernetesApiException>(() => api.DeleteSecretAsync("speckit", "s", TestContext.Current.CancellationToken));

        Assert.Equal(HttpStatusCode.BadGateway, error.StatusCode);
        Assert.Equal("upstream connect error", error.Body);
        Assert.EndsWith(": 502 BadGateway: upstream connect error", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_missing_pod_log_is_an_error_too()
    {
        using var api = Api(_ => Answer(HttpStatusCode.NotFound, """{"kind":"Status","message":"pods \"p\" not found","reason":"NotFound","code":404}"""));

        var error = await Assert.ThrowsAsync<KubernetesApiException>(() => api.FollowPodLogAsync("speckit", "p", "agent", TestContext.Current.CancellationToken));

        Assert.Equal(HttpStatusCode.NotFound, error.StatusCode);
    }

    [Fact]
    public async Task Each_request_carries_the_current_token_and_unknown_fields_are_ignored()
    {
        var token = "first";
        var seen = new List<string?>();
        using var api = Api(
            request =>
            {
                seen.Add(request.Headers.Authorization?.ToString());
                return Answer(HttpStatusCode.OK, """{"kind":"Job","metadata":{"name":"j","uid":"u","resourceVersion":"1"},"status":{"succeeded":1,"ready":0,"startTime":"2024-05-01T10:00:00Z"}}""");
            },
            () => token);

        var job = await api.ReadJobAsync("speckit", "j", TestContext.Current.CancellationToken);
        token = "rotated";
        await api.ReadJobAsync("speckit", "j", TestContext.Current.CancellationToken);

        Assert.Equal(["Bearer first", "Bearer rotated"], seen);
        Assert.Equal("u", job.Metadata!.Uid);
        Assert.Equal(1, job.Status!.Succeeded);
        Assert.Equal(new DateTimeOffset(2024, 5, 1, 10, 0, 0, TimeSpan.Zero), job.Status.StartTime);
    }

    [Fact]
    public async Task Without_a_token_no_authorization_header_is_sent()
    {
        HttpRequestMessage? sent = null;
        using var api = Api(request =>
        {
            sent = request;
            return Answer(HttpStatusCode.OK, """{"items":[]}""");
        });

        await api.ListPodsAsync("speckit", "job-name=j", TestContext.Current.CancellationToken);

        Assert.Null(sent!.Headers.Authorization);
        Assert.Equal("/api/v1/namespaces/speckit/pods?labelSelector=job-name%3Dj&watch=false", sent.RequestUri!.PathAndQuery);
    }

    private static KubernetesApi Api(Func<HttpRequestMessage, HttpResponseMessage> answer, Func<string?>? token = null) =>
        new(new Uri("https://kubernetes.test"), new StubHandler(answer), token ?? (() => null));

    private static HttpResponseMessage Answer(HttpStatusCode status, string body) =>
        new(status) { Content = new StringContent(body, Encoding.UTF8, "application/json") };

    private sealed class StubHandler(Func<HttpRequestMessage, HttpResponseMessage> answer) : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
            Task.FromResult(answer(request));
    }
}
