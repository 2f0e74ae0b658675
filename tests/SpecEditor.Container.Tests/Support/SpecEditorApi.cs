using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace SpecEditor.Container.Tests.Support;

/// <summary>What a user does through the JSON API: propose a new pod, merge it, read it back.</summary>
public static class SpecEditorApi
{
    /// <summary>Proposes pod <paramref name="customer"/>/dev with <paramref name="instanceName"/> and merges the change; returns the change id.</summary>
    public static async Task<string> CreatePodAsync(HttpClient client, string customer, string instanceName)
    {
        var cancellation = TestContext.Current.CancellationToken;
        using var created = await client.PostAsJsonAsync("api/pods", new
        {
            customer,
            environment = "dev",
            values = new Dictionary<string, string>
            {
                ["spec.compute.instance_name"] = instanceName,
                ["spec.compute.instance_type"] = "t3.micro",
            },
            message = "Added by the container tests",
        }, cancellation);
        Assert.True(created.StatusCode == HttpStatusCode.Created, $"POST /api/pods answered {(int)created.StatusCode}: {await created.Content.ReadAsStringAsync(cancellation)}");
        var id = (await created.Content.ReadFromJsonAsync<JsonElement>(cancellation)).GetProperty("id").GetString()!;

        using var merged = await client.PostAsync($"api/changes/{id}/merge", content: null, cancellation);
        Assert.True(merged.IsSuccessStatusCode, $"merging {id} answered {(int)merged.StatusCode}: {await merged.Content.ReadAsStringAsync(cancellation)}");
        return id;
    }

    public static async Task<JsonElement> GetJsonAsync(HttpClient client, string path)
    {
        using var response = await client.GetAsync(path, TestContext.Current.CancellationToken);
        var body = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.True(response.IsSuccessStatusCode, $"GET {path} answered {(int)response.StatusCode}: {body}");
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    /// <summary>The pod's instance name as the base branch holds it now.</summary>
    public static async Task<string?> InstanceNameAsync(HttpClient client, string customer)
    {
        var pod = await GetJsonAsync(client, $"api/pods/{customer}/dev");
        return pod.GetProperty("fields").EnumerateArray()
            .Single(f => f.GetProperty("path").GetString() == "spec.compute.instance_name")
            .GetProperty("value").GetString();
    }
}
