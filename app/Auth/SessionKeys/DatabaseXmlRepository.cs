using System.Xml.Linq;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.DataProtection.Repositories;
using Microsoft.Extensions.Options;
using SpecEditor.Data;

namespace SpecEditor.Auth.SessionKeys;

/// <summary>
/// Data-protection keys (they encrypt session cookies, the OAuth state and antiforgery tokens) in the app database, so
/// sessions survive restarts and every replica on the same database accepts the others' cookies.
/// </summary>
/// <remarks>
/// The key ring is loaded on first use (<see cref="SessionKeyRegistration.LoadKeyRingOnFirstUse"/>), by a request; the server
/// only starts taking requests after every hosted service has started, the database migrations among them, so the table is
/// there. The interface is synchronous; it is called on first use and when keys roll.
/// </remarks>
public sealed class DatabaseXmlRepository(Database database, TimeProvider clock) : IXmlRepository
{
    public IReadOnlyCollection<XElement> GetAllElements()
    {
        using var connection = database.OpenAsync().GetAwaiter().GetResult();
        return connection.Command("SELECT xml FROM data_protection_keys ORDER BY id").Query(row => row.Text(0)).Select(XElement.Parse).ToArray();
    }

    public void StoreElement(XElement element, string friendlyName)
    {
        using var connection = database.OpenAsync().GetAwaiter().GetResult();
        try
        {
            connection.Command("INSERT INTO data_protection_keys (friendly_name, xml, created_at) VALUES (@friendlyName, @xml, @now)")
                .With("friendlyName", friendlyName)
                .With("xml", element.ToString(SaveOptions.DisableFormatting))
                .With("now", clock.GetUtcNow())
                .Execute();
        }
        catch (Exception ex) when (Database.IsUniqueViolation(ex))
        {
            // Key names are unique ids: the same key stored twice (a retried write) is already there.
        }
    }
}

public static class SessionKeyRegistration
{
    /// <summary>Data protection with its keys in the app database (SQLite or PostgreSQL), for every store.</summary>
    public static IServiceCollection AddSessionKeys(this IServiceCollection services)
    {
        services.AddDataProtection().SetApplicationName("spec-editor");
        services.AddSingleton<DatabaseXmlRepository>();
        services.AddOptions<KeyManagementOptions>()
            .Configure<DatabaseXmlRepository>((keys, repository) => keys.XmlRepository = repository);
        return services;
    }

    /// <summary>
    /// Data protection loads its key ring eagerly in a hosted service; load it on first use instead (the first form or
    /// sign-in), which keeps start-up fast and idle memory low. Keys are the same either way. Call it after every
    /// registration, since antiforgery and authentication register data protection (and that service) again.
    /// </summary>
    public static IServiceCollection LoadKeyRingOnFirstUse(this IServiceCollection services)
    {
        var eager = services.Where(d => d.ServiceType == typeof(IHostedService) && d.ImplementationType?.Name == "DataProtectionHostedService").ToList();
        eager.ForEach(d => services.Remove(d));
        return services;
    }
}
