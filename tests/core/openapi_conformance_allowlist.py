"""Conformance cases the OpenAPI engine knowingly disagrees with, each with its reason.

Reasons start with a category: DELIBERATE (we judge differently, and say why; see
docs/conformance.md), SCHEMA (a JSON Schema keyword rule this engine does not have yet),
NOT MODELLED (an extension or option we do not support), NAMING (same finding, other id),
NOT YET ANALYSED. The tests run these as strict xfails: remove an entry once it passes.
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
    "SCHEMA: a schema finding the JSON Schema engine (core/jsonschema.py) does not make for"
    " this pair: OpenAPI-only keywords (readOnly/writeOnly, discriminator, x-extensible-"
    "enum), format, deprecation of properties, or a composition (allOf/oneOf/anyOf) judged "
    "differently"
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
NAMING_1 = (
    "NAMING: same finding under the JSON Schema engine id (request-/response- prefix + its "
    "catalogue id; oasdiff splits body/property)"
)
NAMING_2 = (
    "NAMING: reported as response-body-enum-value-removed (an enum value removed from a "
    "response schema is info for readers)"
)
DELIBERATE_9 = (
    "DELIBERATE: whether a new pattern is more general cannot be proven in general; a "
    "changed or removed pattern is reported (a warning where it only widens a response), "
    "where oasdiff recognises a few generalisations"
)
NOT_MODELLED_3 = (
    "NOT MODELLED: path-item parameters added together with a new path are not told apart "
    "(new-*-default-parameter-to-existing-path)"
)
DELIBERATE_10 = (
    "DELIBERATE: the shared fixture changes security scopes and OAuth URLs too; we report "
    "those as breaking (old clients ask for the old scopes and URLs), oasdiff as INFO"
)
NAMING_3 = (
    "NAMING: same finding under the JSON Schema engine id (request-parameter-maximum-added "
    "/ -minimum-increased for exclusive bounds, -enum-constraint-added for became-enum, "
    "-max-length-added for max-length-set)"
)
NOT_MODELLED_4 = "NOT MODELLED: x-extensible-enum (a Zalando extension) is not modelled"
DELIBERATE_11 = (
    "DELIBERATE: the fixture puts maximum/maxItems on a schema of another type (maximum on "
    "an array); like JSON Schema validation, keywords that do not apply to the type are "
    "ignored"
)
NOT_MODELLED_5 = (
    "NOT MODELLED: a scalar query parameter becoming a form-exploded array is reported as "
    "type-changed, not type-generalized"
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
    "NumericRangeBCTest#requestExclusiveMaxSet": SCHEMA_1,
    "NumericRangeBCTest#requestExclusiveMinSet": SCHEMA_1,
    "NumericRangeBCTest#responseExclusiveMaxDeleted": DELIBERATE_7,
    "NumericRangeBCTest#responseExclusiveMaxUnset": DELIBERATE_7,
    "NumericRangeBCTest#responseExclusiveMinDeleted": DELIBERATE_7,
    "NumericRangeBCTest#responseExclusiveMinUnset": DELIBERATE_7,
    "NumericRangeBCTest#responseMaxDeleted": DELIBERATE_7,
    "NumericRangeBCTest#responseMaxIncreased": DELIBERATE_7,
    "NumericRangeBCTest#responseMinDecreased": DELIBERATE_7,
    "NumericRangeBCTest#responseMinDeleted": DELIBERATE_7,
    "OneOfBCTest#responseIncreased": SCHEMA_1,
    "ReadOnlyBCTest#changedButCompatible": SCHEMA_1,
    "ReadOnlyBCTest#requestReadOnlyIncreased": SCHEMA_1,
    "ReadOnlyBCTest#requestReadOnlyRequiredDecreased": SCHEMA_1,
    "SchemaBCTest#changedButCompatible": SCHEMA_1,
    "SchemaBCTest#discriminatorChanged": SCHEMA_1,
    "SchemaBCTest#requestFormatDecreased": SCHEMA_1,
    "SchemaBCTest#requestFormatIncreased": SCHEMA_1,
    "SchemaBCTest#responseFormatDecreased": SCHEMA_1,
    "SchemaBCTest#responseFormatIncreased": SCHEMA_1,
    "SecuritySchemeBCTest#bearerFormatChanged": DELIBERATE_8,
    "WriteOnlyBCTest#changedButCompatible": SCHEMA_1,
    "WriteOnlyBCTest#responseWriteOnlyIncreased": SCHEMA_1,
    "WriteOnlyBCTest#responseWriteOnlyRequiredDecreased": SCHEMA_1,
}

OASDIFF: dict[str, str] = {
    (
        "checker/check_api_deprecation_test.go#TestBreaking_DeprecationWithInvalidStabilityLevel"
    ): NOT_MODELLED_1,
    (
        "checker/check_api_deprecation_test.go#TestBreaking_DeprecationWithoutSunsetWithPolicy"
    ): NOT_MODELLED_2,
    "checker/check_api_deprecation_test.go#TestBreaking_InvaidStability": NOT_MODELLED_1,
    ("checker/check_api_removed_test.go#TestBreaking_RemovedPathForAlphaBreaking"): NOT_MODELLED_1,
    ("checker/check_api_removed_test.go#TestBreaking_RemovedPathForDraftBreaking"): NOT_MODELLED_1,
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
        "checker/check_api_stability_level_test.go#TestEndpointStability_BetaLe"
        "vel_StableToDraftDetected"
    ): NOT_MODELLED_1,
    (
        "checker/check_api_sunset_changed_test.go#TestBreaking_SunsetModifiedTo"
        "InvalidForDeprecatedEndpoint"
    ): NAMING_1,
    (
        "checker/check_api_sunset_changed_test.go#TestBreaking_SunsetModifiedFr"
        "omInvalidForDeprecatedEndpoint"
    ): NAMING_1,
    "checker/check_breaking_property_test.go#TestBreaking_ReqBodyBecameEnum": SCHEMA_1,
    (
        "checker/check_breaking_property_test.go#TestBreaking_ReqBodyBecameEnumAndTypeChanged"
    ): NAMING_1,
    ("checker/check_breaking_property_test.go#TestBreaking_ReqPropertyBecameEnum"): SCHEMA_1,
    ("checker/check_breaking_property_test.go#TestBreaking_ReqParameterBecameEnum"): SCHEMA_1,
    (
        "checker/check_breaking_property_test.go#TestBreaking_ReqParameterHeaderPropertyBecameEnum"
    ): SCHEMA_1,
    "checker/check_breaking_property_test.go#TestBreaking_RespBodyNullable": SCHEMA_1,
    ("checker/check_breaking_property_test.go#TestBreaking_ReqBodyPropertyNotNullable"): SCHEMA_1,
    ("checker/check_breaking_property_test.go#TestBreaking_RespBodyPropertyNullable"): SCHEMA_1,
    (
        "checker/check_breaking_property_test.go#TestBreaking_RespBodyEmbeddedPropertyNullable"
    ): SCHEMA_1,
    (
        "checker/check_breaking_property_test.go#TestBreaking_ReqBodyNewRequiredPropertyNew"
    ): SCHEMA_1,
    ("checker/check_breaking_property_test.go#TestBreaking_ReqBodyNewRequiredProperty"): SCHEMA_1,
    (
        "checker/check_breaking_property_test.go#TestBreaking_ReqBodyDeleteRequiredProperty"
    ): NAMING_1,
    (
        "checker/check_breaking_property_test.go#TestBreaking_ReqBodyDeleteRequiredProperty2"
    ): NAMING_1,
    (
        "checker/check_breaking_property_test.go#TestBreaking_RespBodyDeleteRequiredProperty"
    ): SCHEMA_1,
    (
        "checker/check_breaking_property_test.go#TestBreaking_RespBodyDeleteAllOfRequiredProperty"
    ): SCHEMA_1,
    ("checker/check_breaking_property_test.go#TestBreaking_ReadOnlyNewRequiredProperty"): SCHEMA_1,
    (
        "checker/check_breaking_property_test.go#TestBreaking_ReadOnlyPropertyRequiredEnabled"
    ): SCHEMA_1,
    (
        "checker/check_breaking_property_test.go#TestBreaking_WriteOnlyDeleteRequiredProperty"
    ): NAMING_1,
    (
        "checker/check_breaking_property_test.go#TestBreaking_WriteOnlyDeleteNonRequiredProperty"
    ): NAMING_1,
    (
        "checker/check_breaking_property_test.go#TestBreaking_WriteOnlyPropertyRequiredDisabled"
    ): SCHEMA_1,
    (
        "checker/check_breaking_property_test.go#TestBreaking_RequiredPropertyWriteOnlyDisabled"
    ): SCHEMA_1,
    "checker/check_breaking_property_test.go#TestBreaking_ItemsWithDefault": SCHEMA_1,
    "checker/check_breaking_property_test.go#TestBreaking_AnyOf": SCHEMA_1,
    ("checker/check_breaking_response_type_changed_test.go#TestBreaking_RespTypeChanged"): NAMING_1,
    "checker/check_breaking_test.go#TestBreaking_AddedResponseEnum": NAMING_1,
    "checker/check_breaking_test.go#TestBreaking_ResponsePropertyEnumRemoved": NAMING_1,
    ("checker/check_breaking_test.go#TestBreaking_ResponseMediaTypeEnumRemoved"): NAMING_2,
    "checker/check_breaking_test.go#TestBreaking_DeletePatten": DELIBERATE_9,
    "checker/check_breaking_test.go#TestBreaking_AddPattern": NAMING_1,
    "checker/check_breaking_test.go#TestBreaking_AddPatternRecursive": NAMING_1,
    "checker/check_breaking_test.go#TestBreaking_ModifyPattern": NAMING_1,
    "checker/check_breaking_test.go#TestBreaking_GeneralizedPattern": DELIBERATE_9,
    "checker/check_breaking_test.go#TestBreaking_ModifyPatternToAnyString": DELIBERATE_9,
    "checker/check_breaking_test.go#TestBreaking_RequestPropertyAnyOfRemoved": SCHEMA_1,
    "checker/check_breaking_test.go#TestBreaking_RequestPropertyOneOfRemoved": SCHEMA_1,
    "checker/check_breaking_test.go#TestBreaking_RequestPropertyAllOfAdded": SCHEMA_1,
    "checker/check_breaking_test.go#TestBreaking_RequestPropertyAllOfRemoved": SCHEMA_1,
    (
        "checker/check_new_request_non_path_default_parameter_test.go#TestNewRe"
        "questNonPathParameter_DetectsNewRequiredPathsAndNewOperations"
    ): NOT_MODELLED_3,
    "checker/check_not_breaking_test.go#TestBreaking_DeletedTag": DELIBERATE_10,
    "checker/check_not_breaking_test.go#TestBreaking_AddedEnum": DELIBERATE_10,
    "checker/check_not_breaking_test.go#TestBreaking_ModifiedExtension": DELIBERATE_10,
    "checker/check_not_breaking_test.go#TestBreaking_Comments": DELIBERATE_10,
    ("checker/check_not_breaking_test.go#TestBreaking_RequiredResponsePropertyAdded"): SCHEMA_1,
    (
        "checker/check_property_stability_level_test.go#TestRequestPropertyStab"
        "ility_DraftToStable_Increased"
    ): NOT_MODELLED_1,
    (
        "checker/check_property_stability_level_test.go#TestRequestPropertyStab"
        "ility_StableToDraft_Decreased"
    ): NOT_MODELLED_1,
    (
        "checker/check_property_stability_level_test.go#TestRequestPropertyStability_InvalidLevel"
    ): NOT_MODELLED_1,
    (
        "checker/check_property_stability_level_test.go#TestResponsePropertySta"
        "bility_DraftToStable_Increased"
    ): NOT_MODELLED_1,
    (
        "checker/check_property_stability_level_test.go#TestResponsePropertySta"
        "bility_StableToDraft_Decreased"
    ): NOT_MODELLED_1,
    (
        "checker/check_request_discriminator_updated_test.go#TestRequestDiscrim"
        "inatorUpdatedCheckAdded"
    ): SCHEMA_1,
    (
        "checker/check_request_discriminator_updated_test.go#TestRequestDiscrim"
        "inatorUpdatedCheckRemoved"
    ): SCHEMA_1,
    (
        "checker/check_request_discriminator_updated_test.go#TestRequestDiscrim"
        "inatorUpdatedCheckPropertyNameChanging"
    ): SCHEMA_1,
    (
        "checker/check_request_discriminator_updated_test.go#TestRequestDiscrim"
        "inatorUpdatedCheckMappingChanging"
    ): SCHEMA_1,
    (
        "checker/check_request_parameter_became_enum_test.go#TestRequestParameterBecameEnum"
    ): NAMING_3,
    (
        "checker/check_request_parameter_deprecation_test.go#TestBreaking_Param"
        "eterDeprecationWithInvalidSunset"
    ): NAMING_1,
    (
        "checker/check_request_parameter_deprecation_test.go#TestBreaking_Param"
        "eterDeprecationWithoutSunsetWithPolicy"
    ): NOT_MODELLED_2,
    (
        "checker/check_request_parameter_enum_value_updated_test.go#TestRequest"
        "ParameterPropertyEnumValueRemovedCheck"
    ): SCHEMA_1,
    (
        "checker/check_request_parameter_enum_value_updated_test.go#TestRequest"
        "ParameterPropertyEnumValueAddedCheck"
    ): SCHEMA_1,
    (
        "checker/check_request_parameter_removed_test.go#TestBreaking_RemovedParameterForAlpha"
    ): NOT_MODELLED_1,
    (
        "checker/check_request_parameter_sunset_changed_test.go#TestBreaking_Su"
        "nsetModifiedToInvalidForDeprecatedParameter"
    ): NAMING_1,
    (
        "checker/check_request_parameter_sunset_changed_test.go#TestBreaking_Su"
        "nsetModifiedFromInvalidForDeprecatedParameter"
    ): NAMING_1,
    (
        "checker/check_request_parameter_x_extensible_enum_value_removed_test.g"
        "o#TestRequestParameterXExtensibleEnumValueRemoved"
    ): NOT_MODELLED_4,
    (
        "checker/check_request_parameters_exclusive_min_max_test.go#TestRequest"
        "ParameterExclusiveMinIncreased"
    ): NAMING_3,
    (
        "checker/check_request_parameters_exclusive_min_max_test.go#TestRequest"
        "ParameterExclusiveMaxDecreased"
    ): NAMING_3,
    (
        "checker/check_request_parameters_exclusive_min_max_test.go#TestRequest"
        "ParameterExclusiveMinSet"
    ): NAMING_3,
    (
        "checker/check_request_parameters_exclusive_min_max_test.go#TestRequest"
        "ParameterExclusiveMaxSet"
    ): NAMING_3,
    (
        "checker/check_request_parameters_max_items_updated_test.go#TestRequest"
        "ParameterMaxItemsIncreased"
    ): DELIBERATE_11,
    (
        "checker/check_request_parameters_max_items_updated_test.go#TestRequest"
        "ParameterMaxItemsDecreased"
    ): DELIBERATE_11,
    (
        "checker/check_request_parameters_max_length_set_test.go#TestRequestPar"
        "ameterMaxLengthSetCheck"
    ): NAMING_3,
    (
        "checker/check_request_parameters_max_updated_test.go#TestRequestParameterMaxIncreased"
    ): DELIBERATE_11,
    (
        "checker/check_request_parameters_max_updated_test.go#TestRequestParameterMaxDecreased"
    ): DELIBERATE_11,
    (
        "checker/check_request_parameters_min_updated_test.go#TestRequestParameterMinIncreased"
    ): NAMING_1,
    (
        "checker/check_request_parameters_min_updated_test.go#TestRequestParameterMinDecreased"
    ): NAMING_1,
    (
        "checker/check_request_parameters_type_changed_test.go#TestBreaking_Req"
        "QueryParamTypeNumberToString"
    ): SCHEMA_1,
    (
        "checker/check_request_parameters_type_changed_test.go#TestBreaking_Req"
        "QueryParamTypeStringToNumber"
    ): SCHEMA_1,
    (
        "checker/check_request_parameters_type_changed_test.go#TestBreaking_Req"
        "QueryParamTypeIntegerToNumber"
    ): NOT_MODELLED_5,
    (
        "checker/check_request_parameters_type_changed_test.go#TestRequestQuery"
        "ParamMultiTypeToFormExplodeArraySafe"
    ): NOT_MODELLED_5,
    (
        "checker/check_request_property_all_of_updated_test.go#TestRequestPropertyAllOfAdded"
    ): SCHEMA_1,
    (
        "checker/check_request_property_all_of_updated_test.go#TestRequestPrope"
        "rtyAllOfAdded_WithSources_Ref"
    ): SCHEMA_1,
    (
        "checker/check_request_property_all_of_updated_test.go#TestRequestPrope"
        "rtyAllOfAdded_WithSources_Inline"
    ): SCHEMA_1,
    (
        "checker/check_request_property_all_of_updated_test.go#TestRequestPropertyAllOfRemoved"
    ): SCHEMA_1,
    (
        "checker/check_request_property_all_of_updated_test.go#TestRequestPrope"
        "rtyAllOfAdded_AnnotationOnly_EmitsInfo"
    ): SCHEMA_1,
    (
        "checker/check_request_property_all_of_updated_test.go#TestRequestPrope"
        "rtyAllOfAdded_AnnotationOnly_AtProperty_EmitsInfo"
    ): SCHEMA_1,
    (
        "checker/check_request_property_any_of_updated_test.go#TestRequestPropertyAnyOfAdded"
    ): SCHEMA_1,
    (
        "checker/check_request_property_any_of_updated_test.go#TestRequestPrope"
        "rtyAnyOfAdded_WithSources"
    ): SCHEMA_1,
    (
        "checker/check_request_property_any_of_updated_test.go#TestRequestPropertyAnyOfRemoved"
    ): SCHEMA_1,
    (
        "checker/check_request_property_became_not_nuallable_test.go#TestReques"
        "tPropertyBecameNotNullable"
    ): SCHEMA_1,
    (
        "checker/check_request_property_became_not_nuallable_test.go#TestReques"
        "tPropertyBecameNullable"
    ): SCHEMA_1,
    (
        "checker/check_request_property_became_not_nuallable_test.go#TestReques"
        "tPropertyBecameNullable31"
    ): SCHEMA_1,
    (
        "checker/check_request_property_became_not_nuallable_test.go#TestReques"
        "tPropertyBecameNotNullable31"
    ): SCHEMA_1,
    (
        "checker/check_request_property_became_not_nuallable_test.go#TestRespon"
        "sePropertyBecameNullable31"
    ): SCHEMA_1,
    (
        "checker/check_request_property_became_not_nuallable_test.go#TestReques"
        "tBodyBecameNullable31"
    ): SCHEMA_1,
    (
        "checker/check_request_property_became_not_nuallable_test.go#TestReques"
        "tBodyBecameNotNullable31"
    ): SCHEMA_1,
    (
        "checker/check_request_property_became_not_nuallable_test.go#TestRespon"
        "seBodyBecameNullable31"
    ): SCHEMA_1,
    (
        "checker/check_request_property_became_not_nuallable_test.go#TestRespon"
        "sePropertyBecameNullable31Property"
    ): SCHEMA_1,
    ("checker/check_request_property_const_changed_test.go#TestRequestBodyConstChanged"): SCHEMA_1,
    (
        "checker/check_request_property_contains_updated_test.go#TestRequestBodyContainsAdded"
    ): NAMING_1,
    (
        "checker/check_request_property_contains_updated_test.go#TestRequestBodyContainsRemoved"
    ): NAMING_1,
    (
        "checker/check_request_property_contains_updated_test.go#TestRequestBod"
        "yMinContainsIncreased"
    ): NAMING_1,
    (
        "checker/check_request_property_contains_updated_test.go#TestRequestBod"
        "yMinContainsDecreased"
    ): NAMING_1,
    (
        "checker/check_request_property_contains_updated_test.go#TestRequestBod"
        "yMaxContainsIncreased"
    ): NAMING_1,
    (
        "checker/check_request_property_contains_updated_test.go#TestRequestBod"
        "yMaxContainsDecreased"
    ): NAMING_1,
    (
        "checker/check_request_property_contains_updated_test.go#TestRequestPropertyContainsAdded"
    ): NAMING_1,
    (
        "checker/check_request_property_contains_updated_test.go#TestRequestPropertyContainsRemoved"
    ): NAMING_1,
    (
        "checker/check_request_property_contains_updated_test.go#TestRequestPro"
        "pertyMinContainsIncreased"
    ): NAMING_1,
    (
        "checker/check_request_property_contains_updated_test.go#TestRequestPro"
        "pertyMinContainsDecreased"
    ): NAMING_1,
    (
        "checker/check_request_property_contains_updated_test.go#TestRequestPro"
        "pertyMaxContainsIncreased"
    ): NAMING_1,
    (
        "checker/check_request_property_contains_updated_test.go#TestRequestPro"
        "pertyMaxContainsDecreased"
    ): NAMING_1,
    (
        "checker/check_request_property_content_updated_test.go#TestRequestPropertyContentUpdated"
    ): NAMING_1,
    (
        "checker/check_request_property_content_updated_test.go#TestRequestBodyContentSchemaAdded"
    ): SCHEMA_1,
    (
        "checker/check_request_property_content_updated_test.go#TestRequestBodyContentSchemaRemoved"
    ): SCHEMA_1,
    (
        "checker/check_request_property_content_updated_test.go#TestRequestProp"
        "ertyContentUpdatedProp"
    ): NAMING_1,
    (
        "checker/check_request_property_default_value_changed_test.go#TestReque"
        "stBodyDefaultValueChanged"
    ): SCHEMA_1,
    (
        "checker/check_request_property_dependent_required_changed_test.go#Test"
        "RequestBodyDependentRequiredAdded"
    ): NAMING_1,
    (
        "checker/check_request_property_dependent_required_changed_test.go#Test"
        "RequestBodyDependentRequiredChanged"
    ): SCHEMA_1,
    (
        "checker/check_request_property_dependent_required_changed_test.go#Test"
        "RequestPropertyDependentRequiredAdded"
    ): NAMING_1,
    (
        "checker/check_request_property_dependent_required_changed_test.go#Test"
        "RequestPropertyDependentRequiredRemoved"
    ): NAMING_1,
    (
        "checker/check_request_property_dependent_required_changed_test.go#Test"
        "RequestPropertyDependentRequiredChanged"
    ): SCHEMA_1,
    (
        "checker/check_request_property_dependent_required_changed_test.go#Test"
        "RequestBodyDependentRequiredRemoved"
    ): NAMING_1,
    (
        "checker/check_request_property_dependent_schemas_updated_test.go#TestR"
        "equestBodyDependentSchemaAdded"
    ): SCHEMA_1,
    (
        "checker/check_request_property_dependent_schemas_updated_test.go#TestR"
        "equestBodyDependentSchemaRemoved"
    ): SCHEMA_1,
    (
        "checker/check_request_property_dependent_schemas_updated_test.go#TestR"
        "equestPropertyDependentSchemaAdded"
    ): SCHEMA_1,
    (
        "checker/check_request_property_dependent_schemas_updated_test.go#TestR"
        "equestPropertyDependentSchemaRemoved"
    ): SCHEMA_1,
    (
        "checker/check_request_property_deprecation_test.go#TestRequestPropertyDeprecationCheck"
    ): SCHEMA_1,
    (
        "checker/check_request_property_deprecation_test.go#TestRequestProperty"
        "DeprecationCheck_AllOf"
    ): SCHEMA_1,
    (
        "checker/check_request_property_deprecation_test.go#TestRequestProperty"
        "DeprecationCheck_MediaTypeContext"
    ): SCHEMA_1,
    (
        "checker/check_request_property_deprecation_test.go#TestRequestProperty"
        "Deprecation_WithoutSunsetWithPolicy"
    ): NOT_MODELLED_2,
    (
        "checker/check_request_property_deprecation_test.go#TestRequestProperty"
        "Deprecation_DetectsReactivated"
    ): SCHEMA_1,
    (
        "checker/check_request_property_deprecation_test.go#TestRequestProperty"
        "Deprecation_WithInvalidSunset"
    ): SCHEMA_1,
    (
        "checker/check_request_property_deprecation_test.go#TestRequestProperty"
        "Deprecation_MessageWithoutDetails"
    ): NAMING_1,
    (
        "checker/check_request_property_exclusive_min_max_test.go#TestRequestPr"
        "opertyExclusiveMinIncreased"
    ): SCHEMA_1,
    (
        "checker/check_request_property_exclusive_min_max_test.go#TestRequestPr"
        "opertyExclusiveMaxDecreased"
    ): SCHEMA_1,
    (
        "checker/check_request_property_exclusive_min_max_test.go#TestRequestPr"
        "opertyExclusiveMinDecreased"
    ): SCHEMA_1,
    (
        "checker/check_request_property_exclusive_min_max_test.go#TestRequestPr"
        "opertyExclusiveMaxIncreased"
    ): SCHEMA_1,
    (
        "checker/check_request_property_exclusive_min_max_test.go#TestRequestPr"
        "opertyExclusiveMinSet"
    ): SCHEMA_1,
    (
        "checker/check_request_property_exclusive_min_max_test.go#TestRequestPr"
        "opertyExclusiveMaxSet"
    ): SCHEMA_1,
    ("checker/check_request_property_if_updated_test.go#TestRequestBodyIfAdded"): SCHEMA_1,
    ("checker/check_request_property_if_updated_test.go#TestRequestBodyIfRemoved"): SCHEMA_1,
    ("checker/check_request_property_if_updated_test.go#TestRequestPropertyIfAdded"): SCHEMA_1,
    ("checker/check_request_property_if_updated_test.go#TestRequestPropertyIfRemoved"): SCHEMA_1,
    (
        "checker/check_request_property_max_length_set_test.go#TestRequestBodyMaxLengthSetCheck"
    ): SCHEMA_1,
    (
        "checker/check_request_property_max_length_set_test.go#TestRequestPropertyMaxLengthSetCheck"
    ): SCHEMA_1,
    ("checker/check_request_property_max_set_test.go#TestRequestBodyMaxSetCheck"): SCHEMA_1,
    ("checker/check_request_property_max_set_test.go#TestRequestPropertyMaxSetCheck"): SCHEMA_1,
    (
        "checker/check_request_property_min_items_increased_test.go#TestRequest"
        "BodyMinItemsIncreased"
    ): NAMING_1,
    (
        "checker/check_request_property_min_updated_test.go#TestRequestPropertyMinIncreasedCheck"
    ): NAMING_1,
    (
        "checker/check_request_property_min_updated_test.go#TestRequestPropertyMinDecreasedCheck"
    ): NAMING_1,
    (
        "checker/check_request_property_one_of_updated_test.go#TestRequestPropertyOneOfAdded"
    ): SCHEMA_1,
    (
        "checker/check_request_property_one_of_updated_test.go#TestRequestPrope"
        "rtyOneOfAdded_WithSources"
    ): SCHEMA_1,
    (
        "checker/check_request_property_one_of_updated_test.go#TestRequestPropertyOneOfRemoved"
    ): SCHEMA_1,
    (
        "checker/check_request_property_pattern_added_or_changed_test.go#TestRe"
        "questPropertyPatternAdded"
    ): SCHEMA_1,
    (
        "checker/check_request_property_pattern_added_or_changed_test.go#TestRe"
        "questPropertyPatternRemoved"
    ): SCHEMA_1,
    (
        "checker/check_request_property_pattern_properties_updated_test.go#Test"
        "RequestBodyPatternPropertyAdded"
    ): NAMING_1,
    (
        "checker/check_request_property_pattern_properties_updated_test.go#Test"
        "RequestBodyPatternPropertyRemoved"
    ): NAMING_1,
    (
        "checker/check_request_property_pattern_properties_updated_test.go#Test"
        "RequestPropertyPatternPropertyAdded"
    ): NAMING_1,
    (
        "checker/check_request_property_pattern_properties_updated_test.go#Test"
        "RequestPropertyPatternPropertyRemoved"
    ): NAMING_1,
    (
        "checker/check_request_property_prefix_items_updated_test.go#TestReques"
        "tBodyPrefixItemsAdded"
    ): SCHEMA_1,
    (
        "checker/check_request_property_prefix_items_updated_test.go#TestReques"
        "tBodyPrefixItemsRemoved"
    ): SCHEMA_1,
    (
        "checker/check_request_property_prefix_items_updated_test.go#TestReques"
        "tPropertyPrefixItemsAdded"
    ): SCHEMA_1,
    (
        "checker/check_request_property_prefix_items_updated_test.go#TestReques"
        "tPropertyPrefixItemsRemoved"
    ): SCHEMA_1,
    (
        "checker/check_request_property_property_names_updated_test.go#TestRequ"
        "estBodyPropertyNamesAdded"
    ): SCHEMA_1,
    (
        "checker/check_request_property_property_names_updated_test.go#TestRequ"
        "estBodyPropertyNamesRemoved"
    ): SCHEMA_1,
    (
        "checker/check_request_property_property_names_updated_test.go#TestRequ"
        "estPropertyPropertyNamesAdded"
    ): SCHEMA_1,
    (
        "checker/check_request_property_property_names_updated_test.go#TestRequ"
        "estPropertyPropertyNamesRemoved"
    ): SCHEMA_1,
    (
        "checker/check_request_property_type_changed_test.go#TestRequestPropertyTypeChangedCheck"
    ): NAMING_1,
    (
        "checker/check_request_property_type_changed_test.go#TestRequestBodyAnd"
        "PropertyTypesChangedCheckArrayToObject"
    ): NAMING_1,
    (
        "checker/check_request_property_type_changed_test.go#TestRequestBodyAnd"
        "PropertyTypesChangedCheckObjectToArray"
    ): NAMING_1,
    (
        "checker/check_request_property_type_changed_test.go#TestRequestBodyTyp"
        "eLooselyTypedCompatible"
    ): SCHEMA_1,
    (
        "checker/check_request_property_unevaluated_updated_test.go#TestRequestBodyUnevaluatedAdded"
    ): SCHEMA_1,
    (
        "checker/check_request_property_unevaluated_updated_test.go#TestRequest"
        "PropertyUnevaluatedAdded"
    ): SCHEMA_1,
    (
        "checker/check_request_property_unevaluated_updated_test.go#TestRequest"
        "PropertyUnevaluatedRemoved"
    ): SCHEMA_1,
    (
        "checker/check_request_property_unevaluated_updated_test.go#TestRequest"
        "BodyUnevaluatedRemoved"
    ): SCHEMA_1,
    ("checker/check_request_property_updated_test.go#TestRequiredRequestPropertyAdded"): SCHEMA_1,
    ("checker/check_request_property_updated_test.go#TestRequiredRequestPropertiesAdded"): SCHEMA_1,
    (
        "checker/check_request_property_updated_test.go#TestRequiredRequestProp"
        "ertyAdded_WithSources"
    ): SCHEMA_1,
    (
        "checker/check_request_property_updated_test.go#TestRequiredRequestPropertyAddedWithDefault"
    ): SCHEMA_1,
    (
        "checker/check_request_property_updated_test.go#TestRequestPropertyOneOfWrappingIsBreaking"
    ): SCHEMA_1,
    (
        "checker/check_request_property_x_extensible_enum_value_removed_test.go"
        "#TestRequestPropertyXExtensibleEnumValueRemovedCheck"
    ): NOT_MODELLED_4,
    (
        "checker/check_request_property_x_extensible_enum_value_removed_test.go"
        "#TestRequestPropertyXExtensibleEnumValueRemoved_WithSources"
    ): NOT_MODELLED_4,
    (
        "checker/check_response_discriminator_updated_test.go#TestResponseDiscr"
        "iminatorUpdatedCheckAdded"
    ): SCHEMA_1,
    (
        "checker/check_response_discriminator_updated_test.go#TestResponseDiscr"
        "iminatorUpdatedCheckRemoved"
    ): SCHEMA_1,
    (
        "checker/check_response_discriminator_updated_test.go#TestResponseDiscr"
        "iminatorUpdatedCheckPropertyNameChanging"
    ): SCHEMA_1,
    (
        "checker/check_response_discriminator_updated_test.go#TestResponseDiscr"
        "iminatorUpdatedCheckMappingChanging"
    ): SCHEMA_1,
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
        "checker/check_response_optional_property_updated_test.go#TestResponseO"
        "ptionalPropertyUpdatedCheck"
    ): SCHEMA_1,
    (
        "checker/check_response_optional_property_updated_test.go#TestResponseO"
        "ptionalPropertyAddedCheck"
    ): SCHEMA_1,
    (
        "checker/check_response_property_all_of_updated_test.go#TestResponsePropertyAllOfAdded"
    ): SCHEMA_1,
    (
        "checker/check_response_property_all_of_updated_test.go#TestResponsePro"
        "pertyAllOfAdded_WithSources_Ref"
    ): SCHEMA_1,
    (
        "checker/check_response_property_all_of_updated_test.go#TestResponsePro"
        "pertyAllOfAdded_WithSources_Inline"
    ): SCHEMA_1,
    (
        "checker/check_response_property_all_of_updated_test.go#TestResponsePropertyAllOfRemoved"
    ): SCHEMA_1,
    (
        "checker/check_response_property_all_of_updated_test.go#TestResponsePro"
        "pertyAllOfAdded_AnnotationOnly_EmitsInfoWithDistinctId"
    ): SCHEMA_1,
    (
        "checker/check_response_property_any_of_updated_test.go#TestResponsePropertyAnyOfAdded"
    ): SCHEMA_1,
    (
        "checker/check_response_property_any_of_updated_test.go#TestResponsePro"
        "pertyAnyOfAdded_WithSources"
    ): SCHEMA_1,
    (
        "checker/check_response_property_any_of_updated_test.go#TestResponsePropertyAnyOfRemoved"
    ): SCHEMA_1,
    (
        "checker/check_response_property_const_changed_test.go#TestResponsePropertyConstChanged"
    ): SCHEMA_1,
    (
        "checker/check_response_property_contains_updated_test.go#TestResponseBodyContainsAdded"
    ): NAMING_1,
    (
        "checker/check_response_property_contains_updated_test.go#TestResponseBodyContainsRemoved"
    ): NAMING_1,
    (
        "checker/check_response_property_contains_updated_test.go#TestResponseB"
        "odyMinContainsIncreased"
    ): NAMING_1,
    (
        "checker/check_response_property_contains_updated_test.go#TestResponseB"
        "odyMinContainsDecreased"
    ): NAMING_1,
    (
        "checker/check_response_property_contains_updated_test.go#TestResponseB"
        "odyMaxContainsIncreased"
    ): NAMING_1,
    (
        "checker/check_response_property_contains_updated_test.go#TestResponseB"
        "odyMaxContainsDecreased"
    ): NAMING_1,
    (
        "checker/check_response_property_contains_updated_test.go#TestResponsePropertyContainsAdded"
    ): NAMING_1,
    (
        "checker/check_response_property_contains_updated_test.go#TestResponseP"
        "ropertyContainsRemoved"
    ): NAMING_1,
    (
        "checker/check_response_property_contains_updated_test.go#TestResponseP"
        "ropertyMinContainsIncreased"
    ): NAMING_1,
    (
        "checker/check_response_property_contains_updated_test.go#TestResponseP"
        "ropertyMinContainsDecreased"
    ): NAMING_1,
    (
        "checker/check_response_property_contains_updated_test.go#TestResponseP"
        "ropertyMaxContainsIncreased"
    ): NAMING_1,
    (
        "checker/check_response_property_contains_updated_test.go#TestResponseP"
        "ropertyMaxContainsDecreased"
    ): NAMING_1,
    (
        "checker/check_response_property_content_updated_test.go#TestResponsePropertyContentUpdated"
    ): NAMING_1,
    (
        "checker/check_response_property_content_updated_test.go#TestResponseBodyContentSchemaAdded"
    ): SCHEMA_1,
    (
        "checker/check_response_property_content_updated_test.go#TestResponseBo"
        "dyContentSchemaRemoved"
    ): SCHEMA_1,
    (
        "checker/check_response_property_content_updated_test.go#TestResponsePr"
        "opertyContentUpdatedProp"
    ): NAMING_1,
    (
        "checker/check_response_property_default_value_changed_test.go#TestResp"
        "onsePropertyDefaultValueUpdatedCheck"
    ): SCHEMA_1,
    (
        "checker/check_response_property_dependent_required_changed_test.go#Tes"
        "tResponseBodyDependentRequiredAdded"
    ): NAMING_1,
    (
        "checker/check_response_property_dependent_required_changed_test.go#Tes"
        "tResponseBodyDependentRequiredRemoved"
    ): NAMING_1,
    (
        "checker/check_response_property_dependent_required_changed_test.go#Tes"
        "tResponseBodyDependentRequiredChanged"
    ): SCHEMA_1,
    (
        "checker/check_response_property_dependent_required_changed_test.go#Tes"
        "tResponsePropertyDependentRequiredChanged"
    ): SCHEMA_1,
    (
        "checker/check_response_property_dependent_required_changed_test.go#Tes"
        "tResponsePropertyDependentRequiredAdded"
    ): NAMING_1,
    (
        "checker/check_response_property_dependent_required_changed_test.go#Tes"
        "tResponsePropertyDependentRequiredRemoved"
    ): NAMING_1,
    (
        "checker/check_response_property_dependent_schemas_updated_test.go#Test"
        "ResponseBodyDependentSchemaAdded"
    ): SCHEMA_1,
    (
        "checker/check_response_property_dependent_schemas_updated_test.go#Test"
        "ResponseBodyDependentSchemaRemoved"
    ): SCHEMA_1,
    (
        "checker/check_response_property_dependent_schemas_updated_test.go#Test"
        "ResponsePropertyDependentSchemaAdded"
    ): SCHEMA_1,
    (
        "checker/check_response_property_dependent_schemas_updated_test.go#Test"
        "ResponsePropertyDependentSchemaRemoved"
    ): SCHEMA_1,
    (
        "checker/check_response_property_deprecation_test.go#TestResponsePropertyDeprecationCheck"
    ): SCHEMA_1,
    (
        "checker/check_response_property_deprecation_test.go#TestResponseProper"
        "tyDeprecationCheck_AllOf"
    ): SCHEMA_1,
    (
        "checker/check_response_property_deprecation_test.go#TestResponseProper"
        "tyDeprecationCheck_MediaTypeContext"
    ): SCHEMA_1,
    (
        "checker/check_response_property_deprecation_test.go#TestResponseProper"
        "tyDeprecation_WithoutSunsetWithPolicy"
    ): NOT_MODELLED_2,
    (
        "checker/check_response_property_deprecation_test.go#TestResponseProper"
        "tyDeprecation_DetectsReactivated"
    ): SCHEMA_1,
    (
        "checker/check_response_property_deprecation_test.go#TestResponseProper"
        "tyDeprecation_WithInvalidSunset"
    ): SCHEMA_1,
    (
        "checker/check_response_property_deprecation_test.go#TestResponseProper"
        "tyDeprecation_MessageWithoutDetails"
    ): NAMING_1,
    (
        "checker/check_response_property_exclusive_min_max_test.go#TestResponse"
        "PropertyExclusiveMaxIncreased"
    ): SCHEMA_1,
    ("checker/check_response_property_if_updated_test.go#TestResponseBodyIfAdded"): SCHEMA_1,
    ("checker/check_response_property_if_updated_test.go#TestResponseBodyIfRemoved"): SCHEMA_1,
    ("checker/check_response_property_if_updated_test.go#TestResponsePropertyIfAdded"): SCHEMA_1,
    ("checker/check_response_property_if_updated_test.go#TestResponsePropertyIfRemoved"): SCHEMA_1,
    (
        "checker/check_response_property_min_decreased_test.go#TestResponseBodyMinDecreased"
    ): NAMING_1,
    (
        "checker/check_response_property_min_decreased_test.go#TestResponsePropertyMinDecreased"
    ): NAMING_1,
    (
        "checker/check_response_property_min_decreased_test.go#TestResponseBody"
        "ExclusiveMinDecreased"
    ): SCHEMA_1,
    (
        "checker/check_response_property_min_decreased_test.go#TestResponseProp"
        "ertyExclusiveMinDecreased"
    ): SCHEMA_1,
    (
        "checker/check_response_property_one_of_updated_test.go#TestResponsePropertyOneOfAdded"
    ): SCHEMA_1,
    (
        "checker/check_response_property_one_of_updated_test.go#TestResponsePro"
        "pertyOneOfAdded_WithSources"
    ): SCHEMA_1,
    (
        "checker/check_response_property_one_of_updated_test.go#TestResponsePropertyOneOfRemoved"
    ): SCHEMA_1,
    (
        "checker/check_response_property_pattern_properties_updated_test.go#Tes"
        "tResponseBodyPatternPropertyAdded"
    ): NAMING_1,
    (
        "checker/check_response_property_pattern_properties_updated_test.go#Tes"
        "tResponseBodyPatternPropertyRemoved"
    ): NAMING_1,
    (
        "checker/check_response_property_pattern_properties_updated_test.go#Tes"
        "tResponsePropertyPatternPropertyAdded"
    ): NAMING_1,
    (
        "checker/check_response_property_pattern_properties_updated_test.go#Tes"
        "tResponsePropertyPatternPropertyRemoved"
    ): NAMING_1,
    (
        "checker/check_response_property_prefix_items_updated_test.go#TestRespo"
        "nseBodyPrefixItemsAdded"
    ): SCHEMA_1,
    (
        "checker/check_response_property_prefix_items_updated_test.go#TestRespo"
        "nseBodyPrefixItemsRemoved"
    ): SCHEMA_1,
    (
        "checker/check_response_property_prefix_items_updated_test.go#TestRespo"
        "nsePropertyPrefixItemsAdded"
    ): SCHEMA_1,
    (
        "checker/check_response_property_prefix_items_updated_test.go#TestRespo"
        "nsePropertyPrefixItemsRemoved"
    ): SCHEMA_1,
    (
        "checker/check_response_property_property_names_updated_test.go#TestRes"
        "ponseBodyPropertyNamesAdded"
    ): SCHEMA_1,
    (
        "checker/check_response_property_property_names_updated_test.go#TestRes"
        "ponseBodyPropertyNamesRemoved"
    ): SCHEMA_1,
    (
        "checker/check_response_property_property_names_updated_test.go#TestRes"
        "ponsePropertyPropertyNamesAdded"
    ): SCHEMA_1,
    (
        "checker/check_response_property_property_names_updated_test.go#TestRes"
        "ponsePropertyPropertyNamesRemoved"
    ): SCHEMA_1,
    (
        "checker/check_response_property_type_changed_test.go#TestResponseSchemaTypeChangedCheck"
    ): NAMING_1,
    (
        "checker/check_response_property_type_changed_test.go#TestResponsePropertyAnyOfModified"
    ): NAMING_1,
    (
        "checker/check_response_property_type_changed_test.go#TestResponseAddit"
        "ionalPropertyTypeChangedCheck"
    ): NAMING_1,
    (
        "checker/check_response_property_type_changed_test.go#TestResponseEmbed"
        "dedAdditionalPropertyTypeChangedCheck"
    ): NAMING_1,
    (
        "checker/check_response_property_type_changed_test.go#TestResponseBodyT"
        "ypeLooselyTypedCompatible"
    ): SCHEMA_1,
    (
        "checker/check_response_property_unevaluated_updated_test.go#TestRespon"
        "seBodyUnevaluatedRemoved"
    ): SCHEMA_1,
    (
        "checker/check_response_property_unevaluated_updated_test.go#TestRespon"
        "sePropertyUnevaluatedAdded"
    ): SCHEMA_1,
    (
        "checker/check_response_property_unevaluated_updated_test.go#TestRespon"
        "sePropertyUnevaluatedRemoved"
    ): SCHEMA_1,
    (
        "checker/check_response_property_unevaluated_updated_test.go#TestRespon"
        "seBodyUnevaluatedAdded"
    ): SCHEMA_1,
    (
        "checker/check_response_required_property_updated_test.go#TestResponseP"
        "ropertyOneOfWrappingIsBreaking"
    ): SCHEMA_1,
    ("checker/check_sub_schema_traversal_test.go#TestSubSchemaTraversalMinLengthChanged"): NAMING_1,
    ("checker/check_sub_schema_traversal_test.go#TestSubSchemaTraversalAddedProperty"): SCHEMA_1,
    (
        "checker/check_sub_schema_traversal_test.go#TestAdditionalPropertiesTra"
        "versalDeletedRequiredProperty"
    ): SCHEMA_1,
    ("checker/check_sub_schema_traversal_test.go#TestSubSchemaTraversalMinChanged"): SCHEMA_1,
    (
        "checker/check_sub_schema_traversal_test.go#TestNotSubSchemaTraversalModifiedProperty"
    ): SCHEMA_1,
    ("checker/check_sub_schema_traversal_test.go#TestNotSubSchemaTraversalAddedProperty"): SCHEMA_1,
    ("checker/check_webhook_operation_test.go#TestWebhookOperationChangesDetected"): SCHEMA_1,
    ("checker/nullable_type_utils_test.go#TestResponseTypeArrayBecameNotNullable"): SCHEMA_1,
    "checker/nullable_type_utils_test.go#TestResponseTypeArrayBecameNullable": SCHEMA_1,
    ("checker/nullable_wrapping_test.go#TestNullableWrapping_RequestProperties"): SCHEMA_1,
    ("checker/nullable_wrapping_test.go#TestNullableWrapping_NarrowedEnumStillReported"): SCHEMA_1,
    "checker/nullable_wrapping_test.go#TestNullableWrapping_ResponseProperty": SCHEMA_1,
    (
        "checker/transition_claims_test.go#TestTransitionClaims_RealChangeAlong"
        "sideTransitionStillReported"
    ): SCHEMA_1,
    (
        "checker/check_request_parameters_type_changed_test.go#TestRequestQuery"
        "ParamScalarToFormExplodeArray_31Nullable/scalar to nullable array"
    ): NOT_MODELLED_5,
    (
        "checker/check_request_parameters_type_changed_test.go#TestRequestQuery"
        "ParamScalarToFormExplodeArray_31Nullable/nullable scalar to nullable "
        "array"
    ): NOT_MODELLED_5,
    (
        "checker/list_of_types_core_test.go#TestListOfTypes_SuppressionWhenRunW"
        "ithTypeAndOneOfChecks/single-to-list reports only "
        "response-property-list-of-types-widened"
    ): SCHEMA_1,
    (
        "checker/list_of_types_core_test.go#TestListOfTypes_SuppressionWhenRunW"
        "ithTypeAndOneOfChecks/list-to-single reports only "
        "request-property-list-of-types-narrowed"
    ): SCHEMA_1,
}
