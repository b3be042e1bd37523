namespace Grump.Hyper.Api.Storage;

/// <summary>A job's webhook deliveries and their attempts.</summary>
public interface IDeliveryStore
{
    Task SaveDeliveryAsync(DeliveryRecord delivery, CancellationToken cancellationToken);

    Task<DeliveryRecord?> GetDeliveryAsync(string jobId, string deliveryId, CancellationToken cancellationToken);

    Task<IReadOnlyList<DeliveryRecord>> ListDeliveriesAsync(string jobId, CancellationToken cancellationToken);

    Task DeleteDeliveriesAsync(string jobId, CancellationToken cancellationToken);
}
