"""Conformance cases the OpenAPI engine knowingly disagrees with, each with its reason.

Reasons start with a category: DELIBERATE (we judge differently, and say why; see
docs/conformance.md), SCHEMA (a JSON Schema keyword rule this engine does not have yet),
NOT MODELLED (an extension or option we do not support). Schema findings carry oasdiff's
ids inside OpenAPI (``core/openapi/_schema_rules.py``), so no case differs by naming alone.
The tests run these as strict xfails: remove an entry once it passes.
"""

DELIBERATE_1 = (
    "DELIBERATE: removing a documented error (non-2xx) response is info under the lenient "
    "policy (breaking under strict): clients are not sent anything they cannot read"
)
DELIBERATE_2 = (
    "DELIBERATE: a new response enum value is a warning for tolerant readers; breaking only"
    " with strict_reader=True"
)
DELIBERATE_3 = (
    "DELIBERATE: a response header that becomes always-present cannot break a reader "
    '(upstream marks this "TODO: document why")'
)
DELIBERATE_4 = (
    "DELIBERATE: removing an optional response header is a warning (oasdiff: WARN); old "
    "readers must already cope with its absence"
)
DELIBERATE_5 = "DELIBERATE: a larger request minLength rejects values old clients may send"
DELIBERATE_6 = (
    "DELIBERATE: a smaller response minLength lets the provider send values old readers "
    "were promised never to see (oasdiff: ERR)"
)
SCHEMA_1 = (
    "SCHEMA: a schema finding the JSON Schema engine (core/jsonschema/_walk.py, "
    "core/jsonschema/_objects.py) makes differently or not at all for this pair: a "
    "query parameter's type specialised (string to number), anyOf branches paired by title "
    "or $ref, "
    "or a bound changed inside a not (reported with the sides swapped, as a not inverts)"
)
DELIBERATE_15 = (
    "DELIBERATE: an allOf/anyOf/oneOf branch added or removed without changing what the "
    "composition accepts (the engine's judgement) is reported as information; oasdiff grades "
    "the list change itself ERR or WARN, above this case's level threshold"
)
SCHEMA_3 = (
    "SCHEMA: judged differently by the JSON Schema engine (core/jsonschema/_walk.py): format "
    "changes (a warning), exclusive bounds set as OpenAPI 3.0 booleans, a property that "
    "became readOnly in a request or writeOnly in a response (info for us), a discriminator "
    "change (info), a new oneOf branch in a response (a warning under LENIENT), or a schema "
    "change upstream calls compatible"
)
DELIBERATE_16 = (
    "DELIBERATE: a property wrapped in oneOf [null, its schema] whose enum also lost a value "
    "is reported with both findings: the removed value and that null is now allowed (oasdiff "
    "drops the nullable claim when the wrapped schema changed, but a reader still meets null)"
)
DELIBERATE_17 = (
    "DELIBERATE: a string enum that became oneOf [string, integer] accepts every old value: "
    "the enum limit was removed (information), no value was removed (oasdiff: "
    "enum-value-removed, ERR, for each old value)"
)
DELIBERATE_18 = (
    "DELIBERATE: writeOnly unset on a required property only tells readers they now receive "
    "it; validation ignores the flag and no old message becomes invalid, so it is information "
    "(oasdiff: WARN), as for the flag set (SCHEMA_3's readOnly/writeOnly cases)"
)
DELIBERATE_19 = (
    "DELIBERATE: an application/xml body whose schema type changed between object and string "
    "is type-changed: child elements and text content are different documents, and a client "
    "or reader built for one does not handle the other (oasdiff: type-compatible, INFO, as "
    "XML is loosely typed)"
)
DELIBERATE_7 = (
    "DELIBERATE: a widened response range lets the provider send numbers old readers were "
    "promised never to see"
)
DELIBERATE_8 = (
    "DELIBERATE: bearerFormat is a documentation hint; warning under lenient, breaking under strict"
)
NOT_MODELLED_1 = (
    "NOT MODELLED: x-stability-level (an oasdiff extension: draft/alpha operations exempt, "
    "stability decreased) is not modelled"
)
NOT_MODELLED_2 = "NOT MODELLED: needs oasdiff's minimum-sunset-days option"
DELIBERATE_9 = (
    "DELIBERATE: whether a new pattern is more general cannot be proven in general; a "
    "changed pattern is reported as breaking for requests and responses alike (it may reject "
    "old values and admit new ones), a removed one as a warning where it only widens a "
    "response, where oasdiff recognises a few generalisations and calls a response's "
    "changed pattern INFO"
)
NOT_MODELLED_3 = (
    "NOT MODELLED: path-item parameters added together with a new path are not told apart "
    "(new-*-default-parameter-to-existing-path)"
)
DELIBERATE_10 = (
    "DELIBERATE: the shared fixture changes security scopes and OAuth URLs too; we report "
    "those as breaking (old clients ask for the old scopes and URLs), oasdiff as INFO"
)
NOT_MODELLED_4 = "NOT MODELLED: x-extensible-enum (a Zalando extension) is not modelled"
DELIBERATE_11 = (
    "DELIBERATE: the fixture puts minimum/maximum/maxItems/required on a schema of another "
    "type (maximum on an array, minimum on an object, required on an array); like JSON "
    "Schema validation, keywords that do not apply to the type are ignored"
)
NOT_MODELLED_5 = (
    "NOT MODELLED: a scalar query parameter becoming a form-exploded array is reported as "
    "type-changed, not type-generalized"
)
DELIBERATE_13 = (
    "DELIBERATE: the new schema requires a property it does not declare; JSON Schema still "
    "requires it, so old clients that omit it are rejected (oasdiff only checks declared "
    "properties)"
)
DELIBERATE_14 = (
    "DELIBERATE: a change inside one component that two media types of an operation use is "
    "one finding (a change is reported once where it is made), where oasdiff reports it "
    "once per media type"
)
DELIBERATE_12 = (
    "DELIBERATE: the fixture changes minimum and exclusiveMinimum together; one finding is "
    "made for the bound that counts (the tighter one, here minimum), where oasdiff reports "
    "each keyword"
)
NOT_MODELLED_6 = (
    "NOT MODELLED: media type names are matched exactly; oasdiff's generalised/specialised "
    "media-type-name rules are not implemented"
)

OPENAPI_DIFF: dict[str, str] = {
    "ApiResponseBCTest#decreased": DELIBERATE_1,
    "EnumBCTest#responseIncreased": DELIBERATE_2,
    "HeaderBCTest#responseRequiredIncreased": DELIBERATE_3,
    "HeadersBCTest#responseDecreased": DELIBERATE_4,
    "MinLengthBCTest#requestMinLengthIncreased": DELIBERATE_5,
    "MinLengthBCTest#responseMinLengthDecreasedButCompatible": DELIBERATE_6,
    "NumericRangeBCTest#requestExclusiveMaxSet": SCHEMA_3,
    "NumericRangeBCTest#requestExclusiveMinSet": SCHEMA_3,
    "NumericRangeBCTest#responseExclusiveMaxDeleted": DELIBERATE_7,
    "NumericRangeBCTest#responseExclusiveMaxUnset": DELIBERATE_7,
    "NumericRangeBCTest#responseExclusiveMinDeleted": DELIBERATE_7,
    "NumericRangeBCTest#responseExclusiveMinUnset": DELIBERATE_7,
    "NumericRangeBCTest#responseMaxDeleted": DELIBERATE_7,
    "NumericRangeBCTest#responseMaxIncreased": DELIBERATE_7,
    "NumericRangeBCTest#responseMinDecreased": DELIBERATE_7,
    "NumericRangeBCTest#responseMinDeleted": DELIBERATE_7,
    "OneOfBCTest#responseIncreased": SCHEMA_3,
    "ReadOnlyBCTest#requestReadOnlyIncreased": SCHEMA_3,
    "ReadOnlyBCTest#requestReadOnlyRequiredDecreased": SCHEMA_3,
    "SchemaBCTest#changedButCompatible": SCHEMA_3,
    "SchemaBCTest#discriminatorChanged": SCHEMA_3,
    "SchemaBCTest#requestFormatDecreased": SCHEMA_3,
    "SchemaBCTest#requestFormatIncreased": SCHEMA_3,
    "SchemaBCTest#responseFormatDecreased": SCHEMA_3,
    "SchemaBCTest#responseFormatIncreased": SCHEMA_3,
    "SecuritySchemeBCTest#bearerFormatChanged": DELIBERATE_8,
    "WriteOnlyBCTest#responseWriteOnlyIncreased": SCHEMA_3,
    "WriteOnlyBCTest#responseWriteOnlyRequiredDecreased": SCHEMA_3,
}

OASDIFF: dict[str, str] = {
    (
        "checker/check_api_deprecation_test.go#TestBreaking_DeprecationWithInvalidStabilityLevel"
    ): NOT_MODELLED_1,
    (
        "checker/check_api_deprecation_test.go#TestBreaking_DeprecationWithoutSunsetWithPolicy"
    ): NOT_MODELLED_2,
    "checker/check_api_deprecation_test.go#TestBreaking_InvaidStability": NOT_MODELLED_1,
    "checker/check_api_removed_test.go#TestBreaking_RemovedPathForAlphaBreaking": NOT_MODELLED_1,
    "checker/check_api_removed_test.go#TestBreaking_RemovedPathForDraftBreaking": NOT_MODELLED_1,
    (
        "checker/check_api_stability_level_test.go#TestBreaking_StabilityLevelDecreased"
    ): NOT_MODELLED_1,
    (
        "checker/check_api_stability_level_test.go#TestBreaking_StabilityLevelDecreased_WithSources"
    ): NOT_MODELLED_1,
    (
        "checker/check_api_stability_level_test.go#TestBreaking_InvalidStabilityLevelInRevision"
    ): NOT_MODELLED_1,
    (
        "checker/check_api_stability_level_test.go#TestBreaking_InvalidStabilityLevelInBase"
    ): NOT_MODELLED_1,
    (
        "checker/check_api_stability_level_test.go#TestBreaking_InvalidNonJsonStabilityLevel"
    ): NOT_MODELLED_1,
    (
        "checker/check_api_stability_level_test.go#TestEndpointStability_StableToDraft_Decreased"
    ): NOT_MODELLED_1,
    (
        "checker/check_api_stability_level_test.go#TestEndpointStability_DraftToStable_Increased"
    ): NOT_MODELLED_1,
    (
        "checker/check_api_stability_level_test.go#TestEndpointStability_BetaLevel_Stable"
        "ToDraftDetected"
    ): NOT_MODELLED_1,
    (
        "checker/check_breaking_property_test.go#TestBreaking_ReqBodyNewRequiredPropertyNew"
    ): DELIBERATE_13,
    (
        "checker/check_breaking_property_test.go#TestBreaking_RequiredPropertyWriteOnlyDisabled"
    ): DELIBERATE_18,
    "checker/check_breaking_property_test.go#TestBreaking_AnyOf": DELIBERATE_11,
    "checker/check_breaking_test.go#TestBreaking_DeletePatten": DELIBERATE_9,
    "checker/check_breaking_test.go#TestBreaking_ModifyPattern": DELIBERATE_9,
    "checker/check_breaking_test.go#TestBreaking_GeneralizedPattern": DELIBERATE_9,
    "checker/check_breaking_test.go#TestBreaking_ModifyPatternToAnyString": DELIBERATE_9,
    "checker/check_breaking_test.go#TestBreaking_RequestPropertyAnyOfRemoved": DELIBERATE_15,
    "checker/check_breaking_test.go#TestBreaking_RequestPropertyOneOfRemoved": DELIBERATE_15,
    "checker/check_breaking_test.go#TestBreaking_RequestPropertyAllOfAdded": DELIBERATE_15,
    "checker/check_breaking_test.go#TestBreaking_RequestPropertyAllOfRemoved": DELIBERATE_15,
    (
        "checker/check_new_request_non_path_default_parameter_test.go#TestNewRequestNonPa"
        "thParameter_DetectsNewRequiredPathsAndNewOperations"
    ): NOT_MODELLED_3,
    "checker/check_not_breaking_test.go#TestBreaking_DeletedTag": DELIBERATE_10,
    "checker/check_not_breaking_test.go#TestBreaking_AddedEnum": DELIBERATE_10,
    "checker/check_not_breaking_test.go#TestBreaking_ModifiedExtension": DELIBERATE_10,
    "checker/check_not_breaking_test.go#TestBreaking_Comments": DELIBERATE_10,
    (
        "checker/check_property_stability_level_test.go#TestRequestPropertyStability_Draf"
        "tToStable_Increased"
    ): NOT_MODELLED_1,
    (
        "checker/check_property_stability_level_test.go#TestRequestPropertyStability_Stab"
        "leToDraft_Decreased"
    ): NOT_MODELLED_1,
    (
        "checker/check_property_stability_level_test.go#TestRequestPropertyStability_InvalidLevel"
    ): NOT_MODELLED_1,
    (
        "checker/check_property_stability_level_test.go#TestResponsePropertyStability_Dra"
        "ftToStable_Increased"
    ): NOT_MODELLED_1,
    (
        "checker/check_property_stability_level_test.go#TestResponsePropertyStability_Sta"
        "bleToDraft_Decreased"
    ): NOT_MODELLED_1,
    (
        "checker/check_request_parameter_deprecation_test.go#TestBreaking_ParameterDeprec"
        "ationWithoutSunsetWithPolicy"
    ): NOT_MODELLED_2,
    (
        "checker/check_request_parameter_removed_test.go#TestBreaking_RemovedParameterForAlpha"
    ): NOT_MODELLED_1,
    (
        "checker/check_request_parameter_x_extensible_enum_value_removed_test.go#TestRequ"
        "estParameterXExtensibleEnumValueRemoved"
    ): NOT_MODELLED_4,
    (
        "checker/check_request_parameters_max_items_updated_test.go#TestRequestParameterM"
        "axItemsIncreased"
    ): DELIBERATE_11,
    (
        "checker/check_request_parameters_max_items_updated_test.go#TestRequestParameterM"
        "axItemsDecreased"
    ): DELIBERATE_11,
    (
        "checker/check_request_parameters_max_updated_test.go#TestRequestParameterMaxIncreased"
    ): DELIBERATE_11,
    (
        "checker/check_request_parameters_max_updated_test.go#TestRequestParameterMaxDecreased"
    ): DELIBERATE_11,
    (
        "checker/check_request_parameters_type_changed_test.go#TestBreaking_ReqQueryParam"
        "TypeStringToNumber"
    ): SCHEMA_1,
    (
        "checker/check_request_parameters_type_changed_test.go#TestBreaking_ReqQueryParam"
        "TypeIntegerToNumber"
    ): NOT_MODELLED_5,
    (
        "checker/check_request_parameters_type_changed_test.go#TestRequestQueryParamMulti"
        "TypeToFormExplodeArraySafe"
    ): NOT_MODELLED_5,
    (
        "checker/check_request_property_deprecation_test.go#TestRequestPropertyDeprecatio"
        "nCheck_AllOf"
    ): DELIBERATE_14,
    (
        "checker/check_request_property_deprecation_test.go#TestRequestPropertyDeprecatio"
        "nCheck_MediaTypeContext"
    ): DELIBERATE_14,
    (
        "checker/check_request_property_deprecation_test.go#TestRequestPropertyDeprecatio"
        "n_WithoutSunsetWithPolicy"
    ): NOT_MODELLED_2,
    (
        "checker/check_request_property_exclusive_min_max_test.go#TestRequestPropertyExcl"
        "usiveMinIncreased"
    ): DELIBERATE_11,
    (
        "checker/check_request_property_exclusive_min_max_test.go#TestRequestPropertyExcl"
        "usiveMaxDecreased"
    ): DELIBERATE_11,
    (
        "checker/check_request_property_exclusive_min_max_test.go#TestRequestPropertyExcl"
        "usiveMinDecreased"
    ): DELIBERATE_11,
    (
        "checker/check_request_property_exclusive_min_max_test.go#TestRequestPropertyExcl"
        "usiveMaxIncreased"
    ): DELIBERATE_11,
    (
        "checker/check_request_property_exclusive_min_max_test.go#TestRequestPropertyExcl"
        "usiveMinSet"
    ): DELIBERATE_11,
    (
        "checker/check_request_property_exclusive_min_max_test.go#TestRequestPropertyExcl"
        "usiveMaxSet"
    ): DELIBERATE_11,
    (
        "checker/check_request_property_type_changed_test.go#TestRequestBodyTypeLooselyTy"
        "pedCompatible"
    ): DELIBERATE_19,
    (
        "checker/check_request_property_x_extensible_enum_value_removed_test.go#TestReque"
        "stPropertyXExtensibleEnumValueRemovedCheck"
    ): NOT_MODELLED_4,
    (
        "checker/check_request_property_x_extensible_enum_value_removed_test.go#TestReque"
        "stPropertyXExtensibleEnumValueRemoved_WithSources"
    ): NOT_MODELLED_4,
    (
        "checker/check_response_mediatype_name_updated_test.go#TestChangeMediaTypeParameters"
    ): NOT_MODELLED_6,
    (
        "checker/check_response_mediatype_name_updated_test.go#TestSpecializeMediaTypeName"
    ): NOT_MODELLED_6,
    (
        "checker/check_response_mediatype_name_updated_test.go#TestGeneralizeMediaTypeName"
    ): NOT_MODELLED_6,
    (
        "checker/check_response_property_deprecation_test.go#TestResponsePropertyDeprecat"
        "ionCheck_AllOf"
    ): DELIBERATE_14,
    (
        "checker/check_response_property_deprecation_test.go#TestResponsePropertyDeprecat"
        "ionCheck_MediaTypeContext"
    ): DELIBERATE_14,
    (
        "checker/check_response_property_deprecation_test.go#TestResponsePropertyDeprecat"
        "ion_WithoutSunsetWithPolicy"
    ): NOT_MODELLED_2,
    (
        "checker/check_response_property_exclusive_min_max_test.go#TestResponsePropertyEx"
        "clusiveMaxIncreased"
    ): DELIBERATE_11,
    (
        "checker/check_response_property_min_decreased_test.go#TestResponseBodyMinDecreased"
    ): DELIBERATE_11,
    (
        "checker/check_response_property_min_decreased_test.go#TestResponseBodyExclusiveM"
        "inDecreased"
    ): DELIBERATE_11,
    (
        "checker/check_response_property_min_decreased_test.go#TestResponsePropertyExclus"
        "iveMinDecreased"
    ): DELIBERATE_12,
    (
        "checker/check_response_property_type_changed_test.go#TestResponsePropertyAnyOfModified"
    ): SCHEMA_1,
    (
        "checker/check_response_property_type_changed_test.go#TestResponseBodyTypeLoosely"
        "TypedCompatible"
    ): DELIBERATE_19,
    (
        "checker/check_sub_schema_traversal_test.go#TestNotSubSchemaTraversalModifiedProperty"
    ): SCHEMA_1,
    "checker/nullable_wrapping_test.go#TestNullableWrapping_NarrowedEnumStillReported": (
        DELIBERATE_16
    ),
    (
        "checker/transition_claims_test.go#TestTransitionClaims_RealChangeAlongsideTransi"
        "tionStillReported"
    ): DELIBERATE_17,
    (
        "checker/check_request_parameters_type_changed_test.go#TestRequestQueryParamScala"
        "rToFormExplodeArray_31Nullable/scalar to nullable array"
    ): NOT_MODELLED_5,
    (
        "checker/check_request_parameters_type_changed_test.go#TestRequestQueryParamScala"
        "rToFormExplodeArray_31Nullable/nullable scalar to nullable array"
    ): NOT_MODELLED_5,
}
