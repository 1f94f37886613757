export { selectBackend, isBackendRequest, wasmBinaryFolder, BACKEND_REQUESTS, TRAIN_BACKENDS, type BackendChoice, type BackendRequest } from './select-backend.js';
export { installFastGradients } from './fast-gradients.js';
export { explicitPadding, type Conv2DPad } from './padding.js';
export { surveyBackends, type BackendSurvey, type BackendStatus, type AdapterStatus } from './survey.js';
