/*
 * A fake libnvidia-ml.so for the NVML binding tests (dev.ampwatch.power.nvml).
 *
 * It implements exactly the NVML functions the binding calls, with the C signatures, enum values and
 * struct layouts of NVIDIA's nvml.h (declared here, so no CUDA toolkit is needed to build it), and
 * answers with scripted values. Built by power-agent/pom.xml during the test build:
 *
 *   gcc -shared -fPIC -o target/fake-nvml/libnvidia-ml.so.1 src/test/c/fake_nvml.c
 *   gcc -shared -fPIC -DFAKE_NVML_LEGACY -o target/fake-nvml-legacy/libnvidia-ml.so.1 src/test/c/fake_nvml.c
 *
 * The legacy build leaves out nvmlDeviceGetFieldValues, nvmlDeviceGetArchitecture and
 * nvmlDeviceGetTotalEnergyConsumption, like a driver older than those functions.
 *
 * Script: a file of key=value lines ('#' starts a comment), loaded by fake_nvml_configure(path) or,
 * when that was never called, from the file named by the environment variable FAKE_NVML_CONFIG at the
 * first nvmlInit_v2. Loading resets every counter. Keys (numbers are decimal; "error" keys take an
 * nvmlReturn_t code, e.g. 3 = NVML_ERROR_NOT_SUPPORTED; 0 = success):
 *
 *   gpus=2                      number of GPUs (0..8, default 1)
 *   init_error=9                what nvmlInit_v2 returns (default 0)
 *   count_error=0               what nvmlDeviceGetCount_v2 returns
 *   gpuN.name=..., gpuN.uuid=...
 *   gpuN.arch=9                 nvmlDeviceArchitecture_t (default 9, Hopper); gpuN.arch_error
 *   gpuN.energy_mj=1000000      counter start; gpuN.energy_step_mj=25 added after every read
 *   gpuN.energy_error=3         what nvmlDeviceGetTotalEnergyConsumption returns
 *   gpuN.power_mw=250000        nvmlDeviceGetPowerUsage; gpuN.power_error
 *   gpuN.field_values_error=3   what nvmlDeviceGetFieldValues itself returns
 *   gpuN.instant_mw, gpuN.instant_error   field NVML_FI_DEV_POWER_INSTANT (default: power_mw, 0)
 *   gpuN.average_mw, gpuN.average_error   field NVML_FI_DEV_POWER_AVERAGE (default: power_mw, 0)
 *   gpuN.util_gpu, gpuN.util_memory, gpuN.util_error
 *   gpuN.mem_total, gpuN.mem_used, gpuN.mem_error      bytes
 *   gpuN.temp_c, gpuN.temp_error                       NVML_TEMPERATURE_GPU only
 *   gpuN.sm_clock_mhz, gpuN.clock_error                NVML_CLOCK_SM only
 *
 * Test hooks (not NVML): fake_nvml_configure, fake_nvml_init_count, fake_nvml_shutdown_count,
 * fake_nvml_refcount, fake_nvml_call_count(function name). Not thread-safe: the tests call it from one
 * thread at a time.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#define API __attribute__((visibility("default")))

/* ---- from nvml.h --------------------------------------------------------------------------------- */
typedef enum nvmlReturn_enum {
    NVML_SUCCESS = 0,
    NVML_ERROR_UNINITIALIZED = 1,
    NVML_ERROR_INVALID_ARGUMENT = 2,
    NVML_ERROR_NOT_SUPPORTED = 3,
    NVML_ERROR_NO_PERMISSION = 4,
    NVML_ERROR_ALREADY_INITIALIZED = 5,
    NVML_ERROR_NOT_FOUND = 6,
    NVML_ERROR_INSUFFICIENT_SIZE = 7,
    NVML_ERROR_INSUFFICIENT_POWER = 8,
    NVML_ERROR_DRIVER_NOT_LOADED = 9,
    NVML_ERROR_TIMEOUT = 10,
    NVML_ERROR_IRQ_ISSUE = 11,
    NVML_ERROR_LIBRARY_NOT_FOUND = 12,
    NVML_ERROR_FUNCTION_NOT_FOUND = 13,
    NVML_ERROR_CORRUPTED_INFOROM = 14,
    NVML_ERROR_GPU_IS_LOST = 15,
    NVML_ERROR_RESET_REQUIRED = 16,
    NVML_ERROR_OPERATING_SYSTEM = 17,
    NVML_ERROR_LIB_RM_VERSION_MISMATCH = 18,
    NVML_ERROR_IN_USE = 19,
    NVML_ERROR_MEMORY = 20,
    NVML_ERROR_NO_DATA = 21,
    NVML_ERROR_UNKNOWN = 999
} nvmlReturn_t;

typedef struct nvmlDevice_st *nvmlDevice_t;

typedef enum nvmlTemperatureSensors_enum { NVML_TEMPERATURE_GPU = 0 } nvmlTemperatureSensors_t;

typedef enum nvmlClockType_enum {
    NVML_CLOCK_GRAPHICS = 0,
    NVML_CLOCK_SM = 1,
    NVML_CLOCK_MEM = 2,
    NVML_CLOCK_VIDEO = 3
} nvmlClockType_t;

typedef unsigned int nvmlDeviceArchitecture_t;

typedef struct nvmlUtilization_st {
    unsigned int gpu;
    unsigned int memory;
} nvmlUtilization_t;

typedef struct nvmlMemory_st {
    unsigned long long total;
    unsigned long long free;
    unsigned long long used;
} nvmlMemory_t;

typedef enum nvmlValueType_enum {
    NVML_VALUE_TYPE_DOUBLE = 0,
    NVML_VALUE_TYPE_UNSIGNED_INT = 1,
    NVML_VALUE_TYPE_UNSIGNED_LONG = 2,
    NVML_VALUE_TYPE_UNSIGNED_LONG_LONG = 3,
    NVML_VALUE_TYPE_SIGNED_LONG_LONG = 4
} nvmlValueType_t;

typedef union nvmlValue_st {
    double dVal;
    unsigned int uiVal;
    unsigned long ulVal;
    unsigned long long ullVal;
    signed long long sllVal;
} nvmlValue_t;

typedef struct nvmlFieldValue_st {
    unsigned int fieldId;
    unsigned int scopeId;
    long long timestamp;
    long long latencyUsec;
    nvmlValueType_t valueType;
    nvmlReturn_t nvmlReturn;
    nvmlValue_t value;
} nvmlFieldValue_t;

#define NVML_FI_DEV_POWER_AVERAGE 185
#define NVML_FI_DEV_POWER_INSTANT 186

/* ---- the script -------------------------------------------------------------------------------- */
#define MAX_GPUS 8
#define TEXT 96

struct nvmlDevice_st {
    char name[TEXT];
    char uuid[TEXT];
    unsigned int arch;
    int arch_error;
    unsigned long long energy_mj;
    unsigned long long energy_step_mj;
    int energy_error;
    unsigned int power_mw;
    int power_error;
    int field_values_error;
    long long instant_mw; /* -1: same as power_mw */
    int instant_error;
    long long average_mw;
    int average_error;
    unsigned int util_gpu, util_memory;
    int util_error;
    unsigned long long mem_total, mem_used;
    int mem_error;
    unsigned int temp_c;
    int temp_error;
    unsigned int sm_clock_mhz;
    int clock_error;
};

static struct nvmlDevice_st devices[MAX_GPUS];
static unsigned int gpu_count;
static int init_error;
static int count_error;
static int configured;
static unsigned int refcount, init_calls, shutdown_calls;

#define MAX_COUNTED 32
static struct { const char *name; unsigned long long calls; } counted[MAX_COUNTED];

static void count_call(const char *function)
{
    for (int i = 0; i < MAX_COUNTED; i++) {
        if (counted[i].name == NULL) {
            counted[i].name = function;
        }
        if (strcmp(counted[i].name, function) == 0) {
            counted[i].calls++;
            return;
        }
    }
}

static void defaults(void)
{
    memset(devices, 0, sizeof devices);
    memset(counted, 0, sizeof counted);
    gpu_count = 1;
    init_error = 0;
    count_error = 0;
    refcount = init_calls = shutdown_calls = 0;
    for (int i = 0; i < MAX_GPUS; i++) {
        struct nvmlDevice_st *d = &devices[i];
        snprintf(d->name, TEXT, "Fake GPU %d", i);
        snprintf(d->uuid, TEXT, "GPU-00000000-0000-0000-0000-%012d", i);
        d->arch = 9;
        d->energy_mj = 1000000;
        d->energy_step_mj = 10;
        d->power_mw = 100000;
        d->instant_mw = -1;
        d->average_mw = -1;
        d->util_gpu = 50;
        d->util_memory = 20;
        d->mem_total = 80ULL << 30;
        d->mem_used = 1ULL << 30;
        d->temp_c = 40;
        d->sm_clock_mhz = 1410;
    }
}

static void trim(char *s)
{
    char *end = s + strlen(s);
    while (end > s && (end[-1] == '\n' || end[-1] == '\r' || end[-1] == ' ' || end[-1] == '\t')) {
        *--end = '\0';
    }
}

static int set_gpu_key(struct nvmlDevice_st *d, const char *key, const char *value)
{
    unsigned long long n = strtoull(value, NULL, 10);
    if (strcmp(key, "name") == 0) snprintf(d->name, TEXT, "%s", value);
    else if (strcmp(key, "uuid") == 0) snprintf(d->uuid, TEXT, "%s", value);
    else if (strcmp(key, "arch") == 0) d->arch = (unsigned int)n;
    else if (strcmp(key, "arch_error") == 0) d->arch_error = (int)n;
    else if (strcmp(key, "energy_mj") == 0) d->energy_mj = n;
    else if (strcmp(key, "energy_step_mj") == 0) d->energy_step_mj = n;
    else if (strcmp(key, "energy_error") == 0) d->energy_error = (int)n;
    else if (strcmp(key, "power_mw") == 0) d->power_mw = (unsigned int)n;
    else if (strcmp(key, "power_error") == 0) d->power_error = (int)n;
    else if (strcmp(key, "field_values_error") == 0) d->field_values_error = (int)n;
    else if (strcmp(key, "instant_mw") == 0) d->instant_mw = (long long)n;
    else if (strcmp(key, "instant_error") == 0) d->instant_error = (int)n;
    else if (strcmp(key, "average_mw") == 0) d->average_mw = (long long)n;
    else if (strcmp(key, "average_error") == 0) d->average_error = (int)n;
    else if (strcmp(key, "util_gpu") == 0) d->util_gpu = (unsigned int)n;
    else if (strcmp(key, "util_memory") == 0) d->util_memory = (unsigned int)n;
    else if (strcmp(key, "util_error") == 0) d->util_error = (int)n;
    else if (strcmp(key, "mem_total") == 0) d->mem_total = n;
    else if (strcmp(key, "mem_used") == 0) d->mem_used = n;
    else if (strcmp(key, "mem_error") == 0) d->mem_error = (int)n;
    else if (strcmp(key, "temp_c") == 0) d->temp_c = (unsigned int)n;
    else if (strcmp(key, "temp_error") == 0) d->temp_error = (int)n;
    else if (strcmp(key, "sm_clock_mhz") == 0) d->sm_clock_mhz = (unsigned int)n;
    else if (strcmp(key, "clock_error") == 0) d->clock_error = (int)n;
    else return -1;
    return 0;
}

/* Loads a script (NULL: the defaults) and resets every counter. Returns 0, or -1 for an unreadable
   file or an unknown key (reported on stderr). */
API int fake_nvml_configure(const char *path)
{
    defaults();
    configured = 1;
    if (path == NULL) {
        return 0;
    }
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        fprintf(stderr, "fake_nvml: cannot read %s\n", path);
        return -1;
    }
    char line[512];
    int status = 0;
    while (fgets(line, sizeof line, f) != NULL) {
        trim(line);
        char *key = line;
        while (*key == ' ' || *key == '\t') key++;
        if (*key == '\0' || *key == '#') continue;
        char *eq = strchr(key, '=');
        if (eq == NULL) { status = -1; fprintf(stderr, "fake_nvml: bad line: %s\n", key); continue; }
        *eq = '\0';
        const char *value = eq + 1;
        unsigned int gpu;
        int used = 0;
        if (strcmp(key, "gpus") == 0) {
            gpu_count = (unsigned int)strtoul(value, NULL, 10);
            if (gpu_count > MAX_GPUS) gpu_count = MAX_GPUS;
        } else if (strcmp(key, "init_error") == 0) {
            init_error = atoi(value);
        } else if (strcmp(key, "count_error") == 0) {
            count_error = atoi(value);
        } else if (sscanf(key, "gpu%u.%n", &gpu, &used) == 1 && used > 0 && gpu < MAX_GPUS) {
            if (set_gpu_key(&devices[gpu], key + used, value) != 0) {
                status = -1;
                fprintf(stderr, "fake_nvml: unknown key: %s\n", key);
            }
        } else {
            status = -1;
            fprintf(stderr, "fake_nvml: unknown key: %s\n", key);
        }
    }
    fclose(f);
    return status;
}

API unsigned int fake_nvml_init_count(void) { return init_calls; }
API unsigned int fake_nvml_shutdown_count(void) { return shutdown_calls; }
API unsigned int fake_nvml_refcount(void) { return refcount; }

API unsigned long long fake_nvml_call_count(const char *function)
{
    for (int i = 0; i < MAX_COUNTED && counted[i].name != NULL; i++) {
        if (strcmp(counted[i].name, function) == 0) return counted[i].calls;
    }
    return 0;
}


/* NULL for a handle that is not one of ours or not initialized; *rc says why. */
static struct nvmlDevice_st *lookup(nvmlDevice_t handle, nvmlReturn_t *rc)
{
    if (refcount == 0) { *rc = NVML_ERROR_UNINITIALIZED; return NULL; }
    for (unsigned int i = 0; i < gpu_count; i++) {
        if (handle == &devices[i]) { *rc = NVML_SUCCESS; return handle; }
    }
    *rc = NVML_ERROR_INVALID_ARGUMENT;
    return NULL;
}

#define DEVICE_OR_RETURN(d, handle, function)          \
    count_call(function);                              \
    nvmlReturn_t rc_;                                  \
    struct nvmlDevice_st *d = lookup(handle, &rc_);    \
    if (d == NULL) return rc_

/* ---- NVML ---------------------------------------------------------------------------------------- */
API const char *nvmlErrorString(nvmlReturn_t result)
{
    switch (result) {
    case NVML_SUCCESS: return "Success";
    case NVML_ERROR_UNINITIALIZED: return "Uninitialized";
    case NVML_ERROR_INVALID_ARGUMENT: return "Invalid Argument";
    case NVML_ERROR_NOT_SUPPORTED: return "Not Supported";
    case NVML_ERROR_NO_PERMISSION: return "Insufficient Permissions";
    case NVML_ERROR_NOT_FOUND: return "Not Found";
    case NVML_ERROR_INSUFFICIENT_SIZE: return "Insufficient Size";
    case NVML_ERROR_DRIVER_NOT_LOADED: return "Driver Not Loaded";
    case NVML_ERROR_LIBRARY_NOT_FOUND: return "NVML Shared Library Not Found";
    case NVML_ERROR_FUNCTION_NOT_FOUND: return "Function Not Found";
    case NVML_ERROR_GPU_IS_LOST: return "GPU is lost";
    case NVML_ERROR_LIB_RM_VERSION_MISMATCH: return "RM has detected an NVML/RM version mismatch.";
    case NVML_ERROR_NO_DATA: return "No data";
    default: return "Unknown Error";
    }
}

API nvmlReturn_t nvmlInit_v2(void)
{
    if (!configured) fake_nvml_configure(getenv("FAKE_NVML_CONFIG"));
    count_call("nvmlInit_v2");
    init_calls++;
    if (init_error != 0) return (nvmlReturn_t)init_error;
    refcount++;
    return NVML_SUCCESS;
}

API nvmlReturn_t nvmlShutdown(void)
{
    count_call("nvmlShutdown");
    shutdown_calls++;
    if (refcount == 0) return NVML_ERROR_UNINITIALIZED;
    refcount--;
    return NVML_SUCCESS;
}

API nvmlReturn_t nvmlDeviceGetCount_v2(unsigned int *deviceCount)
{
    count_call("nvmlDeviceGetCount_v2");
    if (refcount == 0) return NVML_ERROR_UNINITIALIZED;
    if (deviceCount == NULL) return NVML_ERROR_INVALID_ARGUMENT;
    if (count_error != 0) return (nvmlReturn_t)count_error;
    *deviceCount = gpu_count;
    return NVML_SUCCESS;
}

API nvmlReturn_t nvmlDeviceGetHandleByIndex_v2(unsigned int index, nvmlDevice_t *device)
{
    count_call("nvmlDeviceGetHandleByIndex_v2");
    if (refcount == 0) return NVML_ERROR_UNINITIALIZED;
    if (device == NULL || index >= gpu_count) return NVML_ERROR_INVALID_ARGUMENT;
    *device = &devices[index];
    return NVML_SUCCESS;
}

static nvmlReturn_t copy_text(const char *text, char *out, unsigned int length)
{
    if (out == NULL) return NVML_ERROR_INVALID_ARGUMENT;
    if (strlen(text) + 1 > length) return NVML_ERROR_INSUFFICIENT_SIZE;
    memcpy(out, text, strlen(text) + 1);
    return NVML_SUCCESS;
}

API nvmlReturn_t nvmlDeviceGetName(nvmlDevice_t device, char *name, unsigned int length)
{
    DEVICE_OR_RETURN(d, device, "nvmlDeviceGetName");
    return copy_text(d->name, name, length);
}

API nvmlReturn_t nvmlDeviceGetUUID(nvmlDevice_t device, char *uuid, unsigned int length)
{
    DEVICE_OR_RETURN(d, device, "nvmlDeviceGetUUID");
    return copy_text(d->uuid, uuid, length);
}

API nvmlReturn_t nvmlDeviceGetPowerUsage(nvmlDevice_t device, unsigned int *power)
{
    DEVICE_OR_RETURN(d, device, "nvmlDeviceGetPowerUsage");
    if (power == NULL) return NVML_ERROR_INVALID_ARGUMENT;
    if (d->power_error != 0) return (nvmlReturn_t)d->power_error;
    *power = d->power_mw;
    return NVML_SUCCESS;
}

#ifndef FAKE_NVML_LEGACY
static long long now_us(void)
{
    struct timeval tv;
    gettimeofday(&tv, NULL);
    return (long long)tv.tv_sec * 1000000LL + tv.tv_usec;
}

API nvmlReturn_t nvmlDeviceGetTotalEnergyConsumption(nvmlDevice_t device, unsigned long long *energy)
{
    DEVICE_OR_RETURN(d, device, "nvmlDeviceGetTotalEnergyConsumption");
    if (energy == NULL) return NVML_ERROR_INVALID_ARGUMENT;
    if (d->energy_error != 0) return (nvmlReturn_t)d->energy_error;
    *energy = d->energy_mj;
    d->energy_mj += d->energy_step_mj;
    return NVML_SUCCESS;
}

static void power_field(nvmlFieldValue_t *v, int error, long long mw, unsigned int fallback_mw)
{
    v->nvmlReturn = (nvmlReturn_t)error;
    if (error == 0) {
        v->valueType = NVML_VALUE_TYPE_UNSIGNED_INT;
        v->value.uiVal = mw < 0 ? fallback_mw : (unsigned int)mw;
    }
}

API nvmlReturn_t nvmlDeviceGetFieldValues(nvmlDevice_t device, int valuesCount, nvmlFieldValue_t *values)
{
    DEVICE_OR_RETURN(d, device, "nvmlDeviceGetFieldValues");
    if (values == NULL || valuesCount < 0) return NVML_ERROR_INVALID_ARGUMENT;
    if (d->field_values_error != 0) return (nvmlReturn_t)d->field_values_error;
    for (int i = 0; i < valuesCount; i++) {
        nvmlFieldValue_t *v = &values[i];
        v->timestamp = now_us();
        v->latencyUsec = 0;
        memset(&v->value, 0, sizeof v->value);
        if (v->fieldId == NVML_FI_DEV_POWER_INSTANT) {
            power_field(v, d->instant_error, d->instant_mw, d->power_mw);
        } else if (v->fieldId == NVML_FI_DEV_POWER_AVERAGE) {
            power_field(v, d->average_error, d->average_mw, d->power_mw);
        } else {
            v->nvmlReturn = NVML_ERROR_NOT_SUPPORTED;
        }
    }
    return NVML_SUCCESS;
}

API nvmlReturn_t nvmlDeviceGetArchitecture(nvmlDevice_t device, nvmlDeviceArchitecture_t *arch)
{
    DEVICE_OR_RETURN(d, device, "nvmlDeviceGetArchitecture");
    if (arch == NULL) return NVML_ERROR_INVALID_ARGUMENT;
    if (d->arch_error != 0) return (nvmlReturn_t)d->arch_error;
    *arch = d->arch;
    return NVML_SUCCESS;
}
#endif

API nvmlReturn_t nvmlDeviceGetUtilizationRates(nvmlDevice_t device, nvmlUtilization_t *utilization)
{
    DEVICE_OR_RETURN(d, device, "nvmlDeviceGetUtilizationRates");
    if (utilization == NULL) return NVML_ERROR_INVALID_ARGUMENT;
    if (d->util_error != 0) return (nvmlReturn_t)d->util_error;
    utilization->gpu = d->util_gpu;
    utilization->memory = d->util_memory;
    return NVML_SUCCESS;
}

API nvmlReturn_t nvmlDeviceGetMemoryInfo(nvmlDevice_t device, nvmlMemory_t *memory)
{
    DEVICE_OR_RETURN(d, device, "nvmlDeviceGetMemoryInfo");
    if (memory == NULL) return NVML_ERROR_INVALID_ARGUMENT;
    if (d->mem_error != 0) return (nvmlReturn_t)d->mem_error;
    memory->total = d->mem_total;
    memory->used = d->mem_used;
    memory->free = d->mem_total - d->mem_used;
    return NVML_SUCCESS;
}

API nvmlReturn_t nvmlDeviceGetTemperature(nvmlDevice_t device, nvmlTemperatureSensors_t sensorType,
        unsigned int *temp)
{
    DEVICE_OR_RETURN(d, device, "nvmlDeviceGetTemperature");
    if (temp == NULL || sensorType != NVML_TEMPERATURE_GPU) return NVML_ERROR_INVALID_ARGUMENT;
    if (d->temp_error != 0) return (nvmlReturn_t)d->temp_error;
    *temp = d->temp_c;
    return NVML_SUCCESS;
}

API nvmlReturn_t nvmlDeviceGetClockInfo(nvmlDevice_t device, nvmlClockType_t type, unsigned int *clock)
{
    DEVICE_OR_RETURN(d, device, "nvmlDeviceGetClockInfo");
    if (clock == NULL || type != NVML_CLOCK_SM) return NVML_ERROR_INVALID_ARGUMENT;
    if (d->clock_error != 0) return (nvmlReturn_t)d->clock_error;
    *clock = d->sm_clock_mhz;
    return NVML_SUCCESS;
}
