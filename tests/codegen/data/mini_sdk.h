/**
 * A tiny stand-in for OrthancCPlugin.h: one declaration of each shape the
 * code generator must recognise (tests/codegen).
 **/

#pragma once

#include <stdint.h>
#include <string.h>

#define ORTHANC_PLUGINS_MINIMAL_MAJOR_NUMBER     9
#define ORTHANC_PLUGINS_MINIMAL_MINOR_NUMBER     8
#define ORTHANC_PLUGINS_MINIMAL_REVISION_NUMBER  7

#define ORTHANC_PLUGIN_INLINE static inline
#define ORTHANC_PLUGIN_SINCE_SDK(version) __attribute__ ((annotate("ORTHANC_PLUGIN_SINCE_SDK " version)))

#ifdef __cplusplus
extern "C"
{
#endif

  /**
   * The error codes.
   **/
  typedef enum
  {
    OrthancPluginErrorCode_InternalError = -1,   /*!< Internal error */
    OrthancPluginErrorCode_Success = 0,          /*!< Success */
    OrthancPluginErrorCode_SQLiteNotOpened = 1,  /*!< Acronym glued to the next word */

    _OrthancPluginErrorCode_INTERNAL = 0x7fffffff
  } OrthancPluginErrorCode;

  /**
   * @brief The pixel formats.
   *
   * Second paragraph of the enum documentation.
   **/
  typedef enum
  {
    OrthancPluginPixelFormat_RGB24 = 2,        /*!< Color image in RGB24 format */
    OrthancPluginPixelFormat_Grayscale16 = 3,  /*!< Digits at the end */
    OrthancPluginPixelFormat_NoCFindHandler = 4,

    _OrthancPluginPixelFormat_INTERNAL = 0x7fffffff
  } OrthancPluginPixelFormat;

  typedef enum
  {
    _OrthancPluginService_LogInfo = 1,
    _OrthancPluginService_GetTag = 2,  /* New in Orthanc 9.1.0 */
  } _OrthancPluginService;

  /**
   * @brief A memory buffer allocated by the core system of Orthanc.
   **/
  typedef struct
  {
    void*      data;  /*!< The content of the buffer */
    uint32_t   size;  /*!< The number of bytes in the buffer */
  } OrthancPluginMemoryBuffer;

  /**
   * @brief An entry in the dictionary of DICOM tags.
   **/
  typedef struct
  {
    uint16_t  group;    /*!< The group of the tag */
    uint16_t  element;  /*!< The element of the tag */
  } OrthancPluginDictionaryEntry;

  /**
   * @brief Opaque structure that represents an image.
   **/
  typedef struct _OrthancPluginImage_t OrthancPluginImage;

  /**
   * @brief Opaque structure that represents the HTTP connection to the client.
   **/
  typedef struct _OrthancPluginRestOutput_t OrthancPluginRestOutput;

  /**
   * @brief Signature of a callback.
   **/
  typedef OrthancPluginErrorCode (*OrthancPluginSomeCallback) (const char* uri);

  typedef struct _OrthancPluginContext_t
  {
    const char* orthancVersion;
    OrthancPluginErrorCode (*InvokeService) (struct _OrthancPluginContext_t* context,
                                             _OrthancPluginService service,
                                             const void* params);
  } OrthancPluginContext;

  /* An entry point: declared here, implemented by the plugin. */
  const char* OrthancPluginGetName();

  /**
   * @brief Free a string.
   *
   * @param context The Orthanc plugin context.
   * @param str The string to be freed.
   **/
  ORTHANC_PLUGIN_INLINE void OrthancPluginFreeString(OrthancPluginContext* context, char* str)
  {
  }

  /**
   * @brief Log a message.
   *
   * Log a message using the Orthanc logging system.
   *
   * @param context The Orthanc plugin context.
   * @param message The message to be logged.
   * @ingroup Toolbox
   **/
  ORTHANC_PLUGIN_INLINE void OrthancPluginLogWarning(OrthancPluginContext* context, const char* message)
  {
  }

  /**
   * @brief Compute a hash.
   *
   * @param context The Orthanc plugin context.
   * @param buffer The source memory buffer.
   * @param size The size in bytes of the source buffer.
   * @return The hash, to be freed by OrthancPluginFreeString().
   **/
  ORTHANC_PLUGIN_INLINE char* OrthancPluginComputeMd5(OrthancPluginContext* context, const void* buffer, uint32_t size)
  {
    return 0;
  }

  /**
   * @brief Download something.
   *
   * @param context The Orthanc plugin context.
   * @param target The target memory buffer.
   * @param url The URL.
   * @param username The username (can be <tt>NULL</tt> if no password protection).
   * @param format The pixel format.
   * @param timeout A 64-bit integer.
   * @param ratio A float.
   * @return 0 if success, or the error code if failure.
   **/
  ORTHANC_PLUGIN_INLINE OrthancPluginErrorCode OrthancPluginHttpGet(
    OrthancPluginContext*     context,
    OrthancPluginMemoryBuffer* target,
    const char*               url,
    const char*               username,
    OrthancPluginPixelFormat  format,
    int64_t                   timeout,
    float                     ratio)
  {
    return OrthancPluginErrorCode_Success;
  }

  /**
   * @brief Create an image.
   *
   * @param context The Orthanc plugin context.
   * @param format The pixel format.
   * @param width The width.
   * @param height The height.
   * @return The image, or NULL.
   **/
  ORTHANC_PLUGIN_SINCE_SDK("9.2.0")
  ORTHANC_PLUGIN_INLINE OrthancPluginImage* OrthancPluginCreateImage(
    OrthancPluginContext*     context,
    OrthancPluginPixelFormat  format,
    uint32_t                  width,
    uint16_t                  height)
  {
    return 0;
  }

  /**
   * @brief Free an image.
   *
   * @param context The Orthanc plugin context.
   * @param image The image.
   **/
  ORTHANC_PLUGIN_INLINE void OrthancPluginFreeImage(OrthancPluginContext* context, OrthancPluginImage* image)
  {
  }

  /**
   * @brief Return the width of an image.
   *
   * @param context The Orthanc plugin context.
   * @param image The image of interest.
   * @return The width.
   **/
  ORTHANC_PLUGIN_INLINE uint32_t OrthancPluginGetImageWidth(OrthancPluginContext* context, const OrthancPluginImage* image)
  {
    return 0;
  }

  /**
   * @brief Return the pixel format of an image.
   *
   * @param context The Orthanc plugin context.
   * @param image The image of interest.
   * @return The pixel format.
   **/
  ORTHANC_PLUGIN_INLINE OrthancPluginPixelFormat OrthancPluginGetImagePixelFormat(
    OrthancPluginContext* context, const OrthancPluginImage* image)
  {
    return OrthancPluginPixelFormat_RGB24;
  }

  /**
   * @brief Answer to a REST request.
   *
   * @param context The Orthanc plugin context.
   * @param output The HTTP connection to the client application.
   * @param answer Pointer to the memory buffer containing the answer.
   * @param answerSize Number of bytes of the answer.
   * @param mimeType The MIME type of the answer.
   * @param image An image to draw, can be NULL.
   * @param red A color channel.
   **/
  ORTHANC_PLUGIN_INLINE void OrthancPluginAnswerBuffer(
    OrthancPluginContext*       context,
    OrthancPluginRestOutput*    output,
    const void*                 answer,
    uint32_t                    answerSize,
    const char*                 mimeType,
    const OrthancPluginImage*   image,
    uint8_t                     red)
  {
  }

  /**
   * @brief Send a status with a body.
   *
   * @param context The Orthanc plugin context.
   * @param output The HTTP connection to the client application.
   * @param body The body.
   * @param bodySize The size of the body.
   **/
  ORTHANC_PLUGIN_INLINE void OrthancPluginSendHttpStatus(
    OrthancPluginContext*     context,
    OrthancPluginRestOutput*  output,
    const char*               body,
    uint32_t                  bodySize)
  {
  }

  /**
   * @brief The description of an error.
   *
   * @param context The Orthanc plugin context.
   * @param error The error code.
   * @return The description (statically allocated).
   **/
  ORTHANC_PLUGIN_INLINE const char* OrthancPluginGetErrorDescription(
    OrthancPluginContext* context, OrthancPluginErrorCode error)
  {
    return 0;
  }

  /**
   * @brief Register a callback.
   *
   * @param context The Orthanc plugin context.
   * @param callback The callback.
   **/
  ORTHANC_PLUGIN_INLINE OrthancPluginErrorCode OrthancPluginRegisterSomeCallback(
    OrthancPluginContext* context, OrthancPluginSomeCallback callback)
  {
    return OrthancPluginErrorCode_Success;
  }

  /**
   * @brief A function with an output parameter.
   *
   * @param context The Orthanc plugin context.
   * @param group The group (output).
   **/
  ORTHANC_PLUGIN_INLINE OrthancPluginErrorCode OrthancPluginGetTag(
    OrthancPluginContext* context, uint16_t* group)
  {
    return context->InvokeService(context, _OrthancPluginService_GetTag, group);
  }

  /**
   * @brief A function with an array of strings.
   *
   * @param context The Orthanc plugin context.
   * @param keys The keys.
   **/
  ORTHANC_PLUGIN_INLINE OrthancPluginErrorCode OrthancPluginSetHeaders(
    OrthancPluginContext* context, const char* const* keys)
  {
    return OrthancPluginErrorCode_Success;
  }

  /**
   * @brief A function filling a struct.
   *
   * @param context The Orthanc plugin context.
   * @param target The entry.
   * @param name The name.
   **/
  ORTHANC_PLUGIN_INLINE OrthancPluginErrorCode OrthancPluginLookupDictionary(
    OrthancPluginContext* context, OrthancPluginDictionaryEntry* target, const char* name)
  {
    return OrthancPluginErrorCode_Success;
  }

  /**
   * @brief A function returning raw memory.
   *
   * @param context The Orthanc plugin context.
   * @param image The image.
   **/
  ORTHANC_PLUGIN_INLINE void* OrthancPluginGetImageBuffer(
    OrthancPluginContext* context, const OrthancPluginImage* image)
  {
    return 0;
  }

  /**
   * @brief A function with a buffer whose size is implied.
   *
   * @param context The Orthanc plugin context.
   * @param width The width.
   * @param buffer The pixels.
   **/
  ORTHANC_PLUGIN_INLINE void OrthancPluginDrawPixels(
    OrthancPluginContext* context, uint32_t width, const void* buffer)
  {
  }

#ifdef __cplusplus
}
#endif
