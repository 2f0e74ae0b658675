using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace SpecEditor.Tests.TestSupport;

/// <summary>Small helpers for calling the JSON API and reading its answers (and problem details) in tests.</summary>
public static class ApiClient
{
    public static async Task<(HttpStatusCode Status, JsonElement Body)> SendJsonAsync(this HttpClient client, HttpMethod method, string path, object? body = null)
    {
        using var request = new HttpRequestMessage(method, path);
        if (body is not null)
        {
            request.Content = JsonContent.Create(body);
        }

        using var response = await client.SendAsync(request, TestContext.Current.CancellationToken);
        var text = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        var json = text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone();
        if (!response.IsSuccessStatusCode)
        {
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        }

        return (response.StatusCode, json);
    }

    public static Task<(HttpStatusCode Status, JsonElement Body)> GetJsonAsync(this HttpClient client, string path) =>
        client.SendJsonAsync(HttpMethod.Get, path);

    public static Task<(HttpStatusCode Status, JsonElement Body)> PostJsonAsync(this HttpClient client, string path, object? body) =>
        client.SendJsonAsync(HttpMethod.Post, path, body);

    public static string Code(this JsonElement problem) => problem.GetProperty("code").GetString()!;

    public static string Str(this JsonElement element, string name) => element.GetProperty(name).GetString()!;

    public static async Task<string> VersionAsync(this HttpClient client, string pod)
    {
        var (status, body) = await client.GetJsonAsync($"/api/pods/{pod}");
        Assert.Equal(HttpStatusCode.OK, status);
        return body.Str("version");
    }
}
