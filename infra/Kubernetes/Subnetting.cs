using System.Buffers.Binary;
using System.Net;

namespace SpecEditor.Infra.Kubernetes;

internal static class Subnetting
{
    /// <summary>The <paramref name="index"/>-th subnet of <paramref name="network"/> with <paramref name="extraBits"/> more prefix bits.</summary>
    public static string Carve(string network, int extraBits, int index)
    {
        var parsed = IPNetwork.Parse(network);
        var prefix = parsed.PrefixLength + extraBits;
        if (prefix > 32 || index < 0 || index >= 1 << extraBits)
        {
            throw new ArgumentOutOfRangeException(nameof(index), $"{network} has no subnet {index} of /{prefix}");
        }

        var bytes = parsed.BaseAddress.GetAddressBytes();
        var start = BinaryPrimitives.ReadUInt32BigEndian(bytes) + ((uint)index << (32 - prefix));
        BinaryPrimitives.WriteUInt32BigEndian(bytes, start);
        return $"{new IPAddress(bytes)}/{prefix}";
    }
}
