namespace SpecEditor.Infra.Image;

/// <summary>What the deployments rely on from app/Dockerfile.</summary>
internal static class ImageContract
{
    /// <summary>The numeric non-root user the image runs as; Kubernetes pins it so runAsNonRoot can be verified.</summary>
    public const int UserId = 1654;
}
