package restxml

import "net/http"

// quirks are facts of a rest-xml service's wire format that its botocore
// model does not carry. botocore's parsers ignore the root element of a
// response and take every status from the wire, so the model never needed
// them; real clients (and SDKs that match element paths, such as the Java
// SDK v1) do.
type quirks struct {
	// namespace is the xmlns of response roots when the model's metadata
	// has no xmlNamespace.
	namespace string
	// roots maps an output shape name to the root element of its body when
	// that is neither the shape's locationName nor its name (the Smithy
	// model's @xmlName, e.g. ListObjectsV2Output -> ListBucketResult).
	roots map[string]string
	// unwrapped lists output shapes whose body is their single body member
	// written as the root element (GetBucketLocation answers
	// <LocationConstraint>us-west-2</LocationConstraint>).
	unwrapped map[string]bool
	// status maps an error code to its HTTP status, for codes the model
	// does not define or defines without httpStatusCode. It is used before
	// the common table of package protocol, whose statuses are the query
	// services' (S3's ExpiredToken is 400, not 403).
	status map[string]int
}

// quirksByModel is keyed by model name.
var quirksByModel = map[string]*quirks{
	"s3": {
		namespace: "http://s3.amazonaws.com/doc/2006-03-01/",
		roots: map[string]string{
			"CompleteMultipartUploadOutput":           "CompleteMultipartUploadResult",
			"CreateMultipartUploadOutput":             "InitiateMultipartUploadResult",
			"CreateSessionOutput":                     "CreateSessionResult",
			"DeleteObjectsOutput":                     "DeleteResult",
			"GetBucketAccelerateConfigurationOutput":  "AccelerateConfiguration",
			"GetBucketAclOutput":                      "AccessControlPolicy",
			"GetBucketCorsOutput":                     "CORSConfiguration",
			"GetBucketLifecycleConfigurationOutput":   "LifecycleConfiguration",
			"GetBucketLifecycleOutput":                "LifecycleConfiguration",
			"GetBucketLocationOutput":                 "LocationConstraint",
			"GetBucketLoggingOutput":                  "BucketLoggingStatus",
			"GetBucketRequestPaymentOutput":           "RequestPaymentConfiguration",
			"GetBucketTaggingOutput":                  "Tagging",
			"GetBucketVersioningOutput":               "VersioningConfiguration",
			"GetBucketWebsiteOutput":                  "WebsiteConfiguration",
			"GetObjectAclOutput":                      "AccessControlPolicy",
			"GetObjectAttributesOutput":               "GetObjectAttributesResponse",
			"GetObjectTaggingOutput":                  "Tagging",
			"ListBucketAnalyticsConfigurationsOutput": "ListBucketAnalyticsConfigurationResult",
			"ListBucketInventoryConfigurationsOutput": "ListInventoryConfigurationsResult",
			"ListBucketMetricsConfigurationsOutput":   "ListMetricsConfigurationsResult",
			"ListBucketsOutput":                       "ListAllMyBucketsResult",
			"ListDirectoryBucketsOutput":              "ListAllMyDirectoryBucketsResult",
			"ListMultipartUploadsOutput":              "ListMultipartUploadsResult",
			"ListObjectVersionsOutput":                "ListVersionsResult",
			"ListObjectsOutput":                       "ListBucketResult",
			"ListObjectsV2Output":                     "ListBucketResult",
			"ListPartsOutput":                         "ListPartsResult",
			"NotificationConfigurationDeprecated":     "NotificationConfiguration",
		},
		unwrapped: map[string]bool{"GetBucketLocationOutput": true},
		// From the S3 API reference's list of error codes.
		status: map[string]int{
			"AccessControlListNotSupported":                  http.StatusBadRequest,
			"AccessDenied":                                   http.StatusForbidden,
			"AccessPointAlreadyOwnedByYou":                   http.StatusConflict,
			"AccountProblem":                                 http.StatusForbidden,
			"AllAccessDisabled":                              http.StatusForbidden,
			"AmbiguousGrantByEmailAddress":                   http.StatusBadRequest,
			"AuthorizationHeaderMalformed":                   http.StatusBadRequest,
			"AuthorizationQueryParametersError":              http.StatusBadRequest,
			"BadDigest":                                      http.StatusBadRequest,
			"BucketAlreadyExists":                            http.StatusConflict,
			"BucketAlreadyOwnedByYou":                        http.StatusConflict,
			"BucketNotEmpty":                                 http.StatusConflict,
			"ConditionalRequestConflict":                     http.StatusConflict,
			"CredentialsNotSupported":                        http.StatusBadRequest,
			"CrossLocationLoggingProhibited":                 http.StatusForbidden,
			"EntityTooLarge":                                 http.StatusBadRequest,
			"EntityTooSmall":                                 http.StatusBadRequest,
			"ExpiredToken":                                   http.StatusBadRequest,
			"IllegalLocationConstraintException":             http.StatusBadRequest,
			"IllegalVersioningConfigurationException":        http.StatusBadRequest,
			"IncompleteBody":                                 http.StatusBadRequest,
			"InlineDataTooLarge":                             http.StatusBadRequest,
			"InternalError":                                  http.StatusInternalServerError,
			"InvalidAccessKeyId":                             http.StatusForbidden,
			"InvalidArgument":                                http.StatusBadRequest,
			"InvalidBucketAclWithObjectOwnership":            http.StatusBadRequest,
			"InvalidBucketName":                              http.StatusBadRequest,
			"InvalidBucketState":                             http.StatusConflict,
			"InvalidDigest":                                  http.StatusBadRequest,
			"InvalidEncryptionAlgorithmError":                http.StatusBadRequest,
			"InvalidLocationConstraint":                      http.StatusBadRequest,
			"InvalidObjectState":                             http.StatusForbidden,
			"InvalidPart":                                    http.StatusBadRequest,
			"InvalidPartOrder":                               http.StatusBadRequest,
			"InvalidPayer":                                   http.StatusForbidden,
			"InvalidPolicyDocument":                          http.StatusBadRequest,
			"InvalidRange":                                   http.StatusRequestedRangeNotSatisfiable,
			"InvalidRequest":                                 http.StatusBadRequest,
			"InvalidSecurity":                                http.StatusForbidden,
			"InvalidStorageClass":                            http.StatusBadRequest,
			"InvalidTag":                                     http.StatusBadRequest,
			"InvalidTargetBucketForLogging":                  http.StatusBadRequest,
			"InvalidToken":                                   http.StatusBadRequest,
			"InvalidURI":                                     http.StatusBadRequest,
			"KeyTooLongError":                                http.StatusBadRequest,
			"MalformedACLError":                              http.StatusBadRequest,
			"MalformedPOSTRequest":                           http.StatusBadRequest,
			"MalformedPolicy":                                http.StatusBadRequest,
			"MalformedXML":                                   http.StatusBadRequest,
			"MaxMessageLengthExceeded":                       http.StatusBadRequest,
			"MetadataTooLarge":                               http.StatusBadRequest,
			"MethodNotAllowed":                               http.StatusMethodNotAllowed,
			"MissingContentLength":                           http.StatusLengthRequired,
			"MissingRequestBodyError":                        http.StatusBadRequest,
			"MissingSecurityHeader":                          http.StatusBadRequest,
			"NoSuchAccessPoint":                              http.StatusNotFound,
			"NoSuchBucket":                                   http.StatusNotFound,
			"NoSuchBucketPolicy":                             http.StatusNotFound,
			"NoSuchConfiguration":                            http.StatusNotFound,
			"NoSuchCORSConfiguration":                        http.StatusNotFound,
			"NoSuchKey":                                      http.StatusNotFound,
			"NoSuchLifecycleConfiguration":                   http.StatusNotFound,
			"NoSuchObjectLockConfiguration":                  http.StatusNotFound,
			"NoSuchPublicAccessBlockConfiguration":           http.StatusNotFound,
			"NoSuchTagSet":                                   http.StatusNotFound,
			"NoSuchUpload":                                   http.StatusNotFound,
			"NoSuchVersion":                                  http.StatusNotFound,
			"NoSuchWebsiteConfiguration":                     http.StatusNotFound,
			"NotFound":                                       http.StatusNotFound,
			"NotImplemented":                                 http.StatusNotImplemented,
			"NotModified":                                    http.StatusNotModified,
			"ObjectLockConfigurationNotFoundError":           http.StatusNotFound,
			"OperationAborted":                               http.StatusConflict,
			"OwnershipControlsNotFoundError":                 http.StatusNotFound,
			"PermanentRedirect":                              http.StatusMovedPermanently,
			"PreconditionFailed":                             http.StatusPreconditionFailed,
			"Redirect":                                       http.StatusTemporaryRedirect,
			"ReplicationConfigurationNotFoundError":          http.StatusNotFound,
			"RequestHeaderSectionTooLarge":                   http.StatusBadRequest,
			"RequestIsNotMultiPartContent":                   http.StatusBadRequest,
			"RequestTimeTooSkewed":                           http.StatusForbidden,
			"RequestTimeout":                                 http.StatusBadRequest,
			"RestoreAlreadyInProgress":                       http.StatusConflict,
			"ServerSideEncryptionConfigurationNotFoundError": http.StatusNotFound,
			"ServiceUnavailable":                             http.StatusServiceUnavailable,
			"SignatureDoesNotMatch":                          http.StatusForbidden,
			"SlowDown":                                       http.StatusServiceUnavailable,
			"TemporaryRedirect":                              http.StatusTemporaryRedirect,
			"TooManyBuckets":                                 http.StatusBadRequest,
			"UnexpectedContent":                              http.StatusBadRequest,
			"UnresolvableGrantByEmailAddress":                http.StatusBadRequest,
			"UserKeyMustBeSpecified":                         http.StatusBadRequest,
			"XAmzContentSHA256Mismatch":                      http.StatusBadRequest,
		},
	},
}
