using Crm.Contracts.Api.Contacts;
using Crm.ServiceDefaults.Http;
using Crm.ServiceDefaults.Storage;

namespace Crm.Contacts.Orders;

/// <summary>A <see cref="PlaceOrderRequest"/> checked field by field (pure): the order to record, or every bad field at once.</summary>
public static class OrderInput
{
    public const int MaxItems = 200;
    public const int MaxReferenceLength = 100;
    public static readonly TimeSpan FutureTolerance = TimeSpan.FromMinutes(5);

    /// <summary>The order <paramref name="request"/> describes for <paramref name="contactId"/> (id <paramref name="id"/>), or null with the errors in <paramref name="errors"/>.</summary>
    public static Order? Parse(PlaceOrderRequest request, string id, string contactId, DateTimeOffset now, ValidationErrors errors)
    {
        var reference = request.Reference?.Trim();
        if (string.IsNullOrEmpty(reference) || reference.Length > MaxReferenceLength || reference.Any(char.IsControl))
        {
            errors.Add("reference", $"Required: the order's number, 1 to {MaxReferenceLength} characters without control characters.");
        }

        long cents = 0;
        if (request.Amount is not { } amount)
        {
            errors.Add("amount", "Required: { \"amount\": \"129.90\", \"currency\": \"EUR\" }.");
        }
        else if (MoneyValues.Problem(amount) is { } problem)
        {
            errors.Add("amount", problem);
        }
        else
        {
            cents = Cents.Of(MoneyValues.AmountOf(amount)!.Value);
        }

        if (request.Channel is { } channel && !Identifiers.IsKebab(channel))
        {
            errors.Add("channel", "Lower-case kebab (web, pos, app …), at most 40 characters.");
        }

        var placedAt = (request.PlacedAt ?? now).TruncateToMs();
        if (placedAt > now + FutureTolerance)
        {
            errors.Add("placedAt", "Must not be in the future.");
        }

        var lines = new List<OrderLine>();
        var items = request.Items ?? [];
        if (items.Count > MaxItems)
        {
            errors.Add("items", $"At most {MaxItems} lines.");
        }
        else
        {
            for (var i = 0; i < items.Count; i++)
            {
                if (Line(items[i], $"items[{i}]", request.Amount?.Currency, errors) is { } line)
                {
                    lines.Add(line);
                }
            }
        }

        return errors.IsEmpty
            ? new Order
            {
                Id = id,
                ContactId = contactId,
                Reference = reference!,
                AmountCents = cents,
                Currency = request.Amount!.Currency,
                Channel = request.Channel,
                PlacedAt = placedAt,
                Items = lines,
                RecordedAt = now.TruncateToMs(),
            }
            : null;
    }

    private static OrderLine? Line(OrderItemDocument? item, string at, string? currency, ValidationErrors errors)
    {
        if (item is null)
        {
            errors.Add(at, "A line: { \"name\", \"quantity\", \"sku\", \"unitPrice\" }.");
            return null;
        }

        var ok = true;
        var name = item.Name?.Trim();
        if (string.IsNullOrEmpty(name) || name.Length > 200)
        {
            errors.Add($"{at}.name", "Required: 1 to 200 characters.");
            ok = false;
        }

        if (item.Sku is { } sku && (sku.Length is 0 or > 100 || sku.Any(char.IsControl)))
        {
            errors.Add($"{at}.sku", "1 to 100 characters without control characters.");
            ok = false;
        }

        if (item.Quantity is not (>= 1 and <= 10_000))
        {
            errors.Add($"{at}.quantity", "Required: a whole number from 1 to 10,000.");
            ok = false;
        }

        long? unitCents = null;
        if (item.UnitPrice is { } price)
        {
            if (MoneyValues.Problem(price) is { } problem)
            {
                errors.Add($"{at}.unitPrice", problem);
                ok = false;
            }
            else if (price.Currency != currency)
            {
                errors.Add($"{at}.unitPrice", "Must be in the order's currency.");
                ok = false;
            }
            else
            {
                unitCents = Cents.Of(MoneyValues.AmountOf(price)!.Value);
            }
        }

        return ok ? new OrderLine(item.Sku, name!, item.Quantity!.Value, unitCents) : null;
    }
}
