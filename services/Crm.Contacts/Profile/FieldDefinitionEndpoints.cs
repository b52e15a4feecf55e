using Crm.Contracts.Api.Contacts;
using Crm.ServiceDefaults.Hosting;
using Crm.ServiceDefaults.Http;
using Crm.ServiceDefaults.Security;
using Crm.ServiceDefaults.Storage;
using Microsoft.AspNetCore.Mvc;

namespace Crm.Contacts.Profile;

/// <summary>
/// <c>/api/contacts/field-definitions</c>: the custom fields of contacts, read with <c>contacts:read</c> and replaced
/// whole with <c>contacts:admin</c> (at the version read, with <c>If-Match</c>). Values already stored are not
/// rechecked; the new definitions apply to the next change of each contact.
/// </summary>
public static class FieldDefinitionEndpoints
{
    public static RouteGroupBuilder MapFieldDefinitionEndpoints(this RouteGroupBuilder group)
    {
        group.MapGet("/field-definitions", GetAsync)
            .WithName("GetContactFieldDefinitions")
            .WithSummary("Get the custom field definitions")
            .WithDescription("The custom fields contacts may have (`customFields` of a contact): key, label, type, whether required, and the values an enum allows. `ETag` is their version (0: none defined yet).")
            .Produces<ContactFieldDefinitionsDocument>();
        group.MapPut("/field-definitions", PutAsync)
            .RequireAccess(Access.Admin)
            .WithName("SetContactFieldDefinitions")
            .WithSummary("Replace the custom field definitions")
            .WithDescription(
                "Replaces every definition. `type`: text (a string of at most 1,000 characters), number, boolean, date (`2026-12-24`) or " +
                "enum (one of `allowedValues`, required for an enum only). A `required` field must have a value after every later change " +
                "of a contact (a patch that leaves it empty is a 400). Values already stored are not rechecked. Every bad member is named " +
                "at once (`definitions[1].key`). `version` in the body is ignored: send the version as `If-Match`.")
            .WithParameterDescription("If-Match", "Replace only this version (`\"3\"`, `W/\"3\"` or `3`, as in `ETag`); `*` or none: any version. A stale version is a 412.")
            .WithRequestExample(new ContactFieldDefinitionsDocument
            {
                Definitions =
                [
                    new CustomFieldDefinitionDocument { Key = "householdSize", Label = "Household size", Type = CustomFieldType.Number },
                    new CustomFieldDefinitionDocument { Key = "preferredContactTime", Label = "Preferred contact time", Type = CustomFieldType.Enum, AllowedValues = ["morning", "afternoon", "evening"] },
                    new CustomFieldDefinitionDocument { Key = "newsletterOptIn", Label = "Newsletter opt-in", Type = CustomFieldType.Boolean },
                ],
            })
            .Produces<ContactFieldDefinitionsDocument>()
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status412PreconditionFailed);
        return group;
    }

    private static async Task<IResult> GetAsync(IDocumentStore store, HttpContext http, CancellationToken cancellationToken)
    {
        var definitions = await store.GetAsync(FieldDefinitionCollections.Definitions, FieldDefinitions.DocumentId, cancellationToken) ?? FieldDefinitions.Empty;
        http.Response.SetETag(definitions.Version);
        return Results.Ok(definitions.ToDocument());
    }

    private static async Task<IResult> PutAsync(
        ContactFieldDefinitionsDocument request,
        [FromHeader(Name = "If-Match")] string? ifMatch,
        UnitOfWork unit,
        HttpContext http,
        CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors();
        var parsed = FieldDefinitions.Parse(request, errors);
        errors.ThrowIfAny();

        var expected = ETags.ExpectedVersion(ifMatch, "field definitions");
        var current = await unit.GetAsync(FieldDefinitionCollections.Definitions, FieldDefinitions.DocumentId, cancellationToken);
        var version = current?.Version ?? 0;
        ETags.CheckVersion(expected, version, "field definitions");
        var definitions = new FieldDefinitions
        {
            Id = FieldDefinitions.DocumentId,
            Definitions = parsed!,
            UpdatedAt = unit.Now,
            UpdatedBy = http.Actor(),
            Version = version + 1,
        };
        unit.Save(FieldDefinitionCollections.Definitions, definitions, current);
        http.Response.SetETag(definitions.Version);
        return Results.Ok(definitions.ToDocument());
    }
}
